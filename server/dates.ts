// Every date helper of the app, in one place: calendar days as "YYYY-MM-DD" strings, and the words
// pages use for days and moments. Arithmetic is done in UTC on the date alone, so daylight saving and
// the server's own zone never shift a due date; "today" and every moment are read in the organisation's zone.

const DAY_MS = 86_400_000;

// Building an Intl.DateTimeFormat costs far more than using one; reports convert 100,000 timestamps.
const formatters = new Map<string, Intl.DateTimeFormat>();

// The last answer per zone, by second: every page asks for "today" several times, and a day in any
// time zone begins on a whole second (tz offsets are whole seconds), so one second has one date.
const lastSecond = new Map<string, { second: number; day: string }>();

/** The calendar date of an instant in a time zone. */
export function dayInZone(instant: Date, timeZone: string): string {
  const second = Math.floor(instant.getTime() / 1000);
  const last = lastSecond.get(timeZone);
  if (last?.second === second) return last.day;
  let f = formatters.get(timeZone);
  if (!f) {
    // en-CA formats as YYYY-MM-DD.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  // Intl writes years before 1000 with fewer digits ("999-12-31"); calendar days here are always YYYY-MM-DD.
  const day = f.format(instant).replace(/^(\d{1,3})-/, (_m, y: string) => `${y.padStart(4, '0')}-`);
  lastSecond.set(timeZone, { second, day });
  return day;
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** How far a zone's wall clock is ahead of UTC at an instant, in milliseconds. */
function zoneOffsetMs(instant: number, timeZone: string): number {
  let f = offsetFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    offsetFormats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(instant)).map((x) => [x.type, Number(x.value)]));
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The first instant of a calendar day in a time zone, as ISO-8601 UTC: where a "from" filter starts. */
export function startOfDayInZone(day: string, timeZone: string): string {
  const midnightUtc = Date.parse(`${day}T00:00:00Z`);
  // Twice: the offset at the first guess may differ from the one at local midnight around a clock change.
  let guess = midnightUtc - zoneOffsetMs(midnightUtc, timeZone);
  guess = midnightUtc - zoneOffsetMs(guess, timeZone);
  return new Date(guess).toISOString();
}

/** A calendar day written YYYY-MM-DD that exists (no 2026-02-30). */
export function isRealDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** b − a in whole days. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

/** The month-day in a given year; 02-29 falls on 02-28 in years without one. */
export function monthDayIn(year: number, monthDay: string): string {
  const [m, d] = monthDay.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(year, m, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

export function isMonthDay(s: string): boolean {
  if (!/^\d{2}-\d{2}$/.test(s)) return false;
  const [m, d] = s.split('-').map(Number) as [number, number];
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(2024, m, 0)).getUTCDate();
}

// The app's one date style, "1 Dec 2026" and "1 Dec 2026, 09:30 CST", written here rather than left to
// a locale: en-GB's short months changed to "Sept" in newer ICU data and it names American zones
// "GMT-6", so the same page read "29 Sept 2019" beside "1 Dec 2026" depending on the Node build.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** One cached formatter per zone for the clock time and zone name: building one costs far more than using it. */
function clockFormat(timeZone: string): Intl.DateTimeFormat {
  let f = clockFormats.get(timeZone);
  if (!f) {
    // en-US names American zones by their abbreviation (CST, EDT); others read "GMT+1", still unambiguous.
    f = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
    clockFormats.set(timeZone, f);
  }
  return f;
}

/** "09:30 CST": the time of a moment in a zone, 24-hour clock and the zone's short name. */
export function formatClockTime(iso: string, timeZone: string): string {
  let hour = '';
  let minute = '';
  let zone = '';
  for (const part of clockFormat(timeZone).formatToParts(new Date(iso))) {
    if (part.type === 'hour') hour = part.value;
    else if (part.type === 'minute') minute = part.value;
    else if (part.type === 'timeZoneName') zone = part.value;
  }
  return `${hour}:${minute} ${zone}`;
}

/** "14 Dec 2026": a calendar day (YYYY-MM-DD) in the app's one date style; anything else is shown as given. */
export function formatDay(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1] ?? m[2]} ${Number(m[1])}`;
}

/** "4 Dec 2026": the day a moment fell on in the organisation's time zone. */
export function formatDate(iso: string, timeZone: string): string {
  return formatDay(dayInZone(new Date(iso), timeZone));
}

/** "4 Dec 2026, 09:30 CST": a moment in the organisation's time zone, as every page shows it. */
export function formatDateTime(iso: string, timeZone: string): string {
  return `${formatDate(iso, timeZone)}, ${formatClockTime(iso, timeZone)}`;
}

export interface DateFormatters {
  /** A calendar day (due dates, hire dates); an absent value shows as nothing. */
  formatDay: (day: string | null | undefined) => string;
  formatDate: (iso: string | null | undefined) => string;
  formatDateTime: (iso: string | null | undefined) => string;
}

/** The date words every view uses, bound to the organisation's time zone; an absent value shows as nothing. */
export function dateFormatters(timeZone: string): DateFormatters {
  return {
    formatDay: (day) => (day ? formatDay(day) : ''),
    formatDate: (iso) => (iso ? formatDate(iso, timeZone) : ''),
    formatDateTime: (iso) => (iso ? formatDateTime(iso, timeZone) : ''),
  };
}
