// Control characters (C0, DEL, C1), line/paragraph separators and bidi overrides: none belongs in a
// name, email, department or redirect target, and bidi overrides can disguise what a name says.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

export function hasControlChars(s: string): boolean {
  return CONTROL_CHARS.test(s);
}
