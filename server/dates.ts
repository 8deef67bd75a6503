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

const LONG = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** One cached formatter per style and zone: building one costs far more than using it. */
function zoneFormat(style: 'date' | 'date-time' | 'clock', timeZone: string): Intl.DateTimeFormat {
  const key = `${style} ${timeZone}`;
  let f = zoneFormats.get(key);
  if (!f) {
    const parts: Intl.DateTimeFormatOptions = style === 'date' ? { day: 'numeric', month: 'short', year: 'numeric' }
      : style === 'clock' ? { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }
        : { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
    f = new Intl.DateTimeFormat('en-GB', { timeZone, ...parts });
    zoneFormats.set(key, f);
  }
  return f;
}

/** "4 Dec 2026, 09:30 CST": a moment in the organisation's time zone, as every page shows it. */
export function formatDateTime(iso: string, timeZone: string): string {
  return zoneFormat('date-time', timeZone).format(new Date(iso));
}

/** "4 Dec 2026": the day a moment fell on in the organisation's time zone. */
export function formatDate(iso: string, timeZone: string): string {
  return zoneFormat('date', timeZone).format(new Date(iso));
}

/** "09:30 CST": the time of a moment today, e.g. when a pause ends. */
export function formatClockTime(iso: string, timeZone: string): string {
  return zoneFormat('clock', timeZone).format(new Date(iso));
}

/** "14 Dec 2026" */
export function formatDay(day: string): string {
  return LONG.format(new Date(`${day}T00:00:00Z`));
}

export interface DateFormatters {
  formatDay: (day: string) => string;
  formatDate: (iso: string | null | undefined) => string;
  formatDateTime: (iso: string | null | undefined) => string;
}

/** The date words every view uses, bound to the organisation's time zone; an absent value shows as nothing. */
export function dateFormatters(timeZone: string): DateFormatters {
  return {
    formatDay,
    formatDate: (iso) => (iso ? formatDate(iso, timeZone) : ''),
    formatDateTime: (iso) => (iso ? formatDateTime(iso, timeZone) : ''),
  };
}
