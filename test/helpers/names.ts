// Invented names in several scripts, of any exact length (in code points, as server/users/fields.ts
// counts them), from a seeded generator: the same run every time, no real person.

type Rng = () => number;

/** A small linear congruential generator: repeatable names for a given seed. */
export function seeded(seed: number): Rng {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
}

interface Script {
  /** Name parts to draw from. */
  parts: string[];
  /** What goes between parts. */
  separator: string;
  /** Wraps the second part in quotes (a nickname), as people write them in that script. */
  quote?: (part: string) => string;
}

const chars = (s: string) => [...s];

export const SCRIPTS = {
  latin: { parts: ['Ardelle', 'Brannoch', 'Quintavia', 'O’Farrow', 'Mercy-Lou', 'Zoë', 'Łukaszewa', 'Dunmore', 'Ysolde', 'Péronne', 'Kestrell', 'van Aalder'], separator: ' ', quote: (p: string) => `“${p}”` },
  vietnamese: { parts: ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Vũ', 'Đặng', 'Thị', 'Văn', 'Hương', 'Thủy', 'Ánh', 'Quỳnh', 'Đức', 'Ngọc', 'Phượng', 'Khuê'], separator: ' ' },
  greek: { parts: ['Αλεξάνδρα', 'Παπαδοπούλου', 'Νικηφόρος', 'Ευανθία', 'Καραγιάννης', 'Σταυρούλα', 'Δημητρίου'], separator: ' ', quote: (p: string) => `«${p}»` },
  cyrillic: { parts: ['Ольга', 'Святослав', 'Ковальчук', 'Євгенія', 'Щербакова', 'Ярослав', 'Жданов'], separator: ' ', quote: (p: string) => `«${p}»` },
  chinese: { parts: chars('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹秀英华明丽敏静芳娜强军磊洋勇艳杰娟涛超霞平刚桂'), separator: '' },
  japanese: { parts: ['山田', '佐藤', '鈴木', '高橋', '田中', '渡辺', 'はなこ', 'さくら', 'ゆうき', 'けんた', 'みどり', 'エミ', 'マリア', '翔太', '美咲'], separator: ' ' },
  korean: { parts: ['김', '이', '박', '최', '정', '민준', '서연', '지훈', '현수', '영미', '경진', '하은', '도윤', '수빈'], separator: ' ' },
  arabic: { parts: ['محمد', 'فاطمة', 'عبد الله', 'نور الهدى', 'بن', 'بنت', 'يوسف', 'مريم', 'خالد', 'الحسن', 'زين', 'ليلى'], separator: ' ', quote: (p: string) => `«${p}»` },
  hebrew: { parts: ['שרה', 'לוי', 'כהן', 'דוד', 'מרים', 'יעקב', 'רחל', 'נועה', 'יוסף', 'אורה', 'בן', 'בת'], separator: ' ', quote: (p: string) => `"${p}"` },
} satisfies Record<string, Script>;

export type ScriptName = keyof typeof SCRIPTS;

/**
 * An invented name of exactly `length` code points (NFC) in the script: parts drawn at random, the
 * second one quoted where the script has quotes, cut to length without a space at either end.
 */
export function inventName(script: ScriptName, length: number, seed: number): string {
  const s: Script = SCRIPTS[script];
  const rng = seeded(seed);
  const pick = () => s.parts[Math.floor(rng() * s.parts.length)]!;
  const parts: string[] = [];
  while ([...parts.join(s.separator).normalize('NFC')].length < length + 2) {
    const p = pick();
    parts.push(parts.length === 1 && s.quote ? s.quote(p) : p);
  }
  let name = [...parts.join(s.separator).normalize('NFC')].slice(0, length);
  // No space at the end (the app trims names): take the next letter of the first part instead.
  while (name.length > 0 && /\s/u.test(name[name.length - 1]!)) name = [...name.slice(0, -1), [...s.parts[0]!][0]!];
  return name.join('');
}
