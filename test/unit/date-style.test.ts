import { dateFormatters, formatClockTime, formatDate, formatDateTime, formatDay, startOfDayInZone } from '../../server/dates';

// One date style everywhere (issue 14): "1 Dec 2026" and "1 Dec 2026, 09:30 CST", in the organisation's zone.

describe('the one date style', () => {
  test('every month has its three-letter name, September included ("Sep", never "Sept")', () => {
    const months = Array.from({ length: 12 }, (_v, i) => formatDay(`2026-${String(i + 1).padStart(2, '0')}-01`));
    expect(months).toEqual(['1 Jan 2026', '1 Feb 2026', '1 Mar 2026', '1 Apr 2026', '1 May 2026', '1 Jun 2026',
      '1 Jul 2026', '1 Aug 2026', '1 Sep 2026', '1 Oct 2026', '1 Nov 2026', '1 Dec 2026']);
    expect(formatDay('2019-09-29')).toBe('29 Sep 2019');
  });

  test('a moment is written in the organisation\'s zone, with its abbreviation and a 24-hour clock', () => {
    expect(formatDateTime('2026-12-01T15:30:00.000Z', 'America/Chicago')).toBe('1 Dec 2026, 09:30 CST');
    expect(formatDateTime('2026-07-01T15:30:00.000Z', 'America/New_York')).toBe('1 Jul 2026, 11:30 EDT');
    expect(formatDateTime('2026-07-01T23:05:00.000Z', 'UTC')).toBe('1 Jul 2026, 23:05 UTC');
    expect(formatClockTime('2026-12-01T00:00:00.000Z', 'America/Chicago')).toBe('18:00 CST');
  });

  test('the day of a moment is the zone\'s day, not UTC\'s', () => {
    // 03:00 UTC on 2 Dec is still the evening of 1 Dec in Chicago.
    expect(formatDate('2026-12-02T03:00:00.000Z', 'America/Chicago')).toBe('1 Dec 2026');
    expect(formatDate('2026-12-02T03:00:00.000Z', 'Asia/Tokyo')).toBe('2 Dec 2026');
  });

  test('views get the formatters with absent values shown as nothing', () => {
    const f = dateFormatters('America/Chicago');
    expect([f.formatDay(null), f.formatDay(undefined), f.formatDate(null), f.formatDateTime(undefined)]).toEqual(['', '', '', '']);
    expect(f.formatDay('2027-12-01')).toBe('1 Dec 2027');
  });

  test('a day starts at the zone\'s midnight, across clock changes', () => {
    expect(startOfDayInZone('2026-12-04', 'America/Chicago')).toBe('2026-12-04T06:00:00.000Z');
    expect(startOfDayInZone('2026-07-04', 'America/Chicago')).toBe('2026-07-04T05:00:00.000Z');
    // The clocks go forward at 02:00 on 8 Mar 2026 in New York: midnight is still EST.
    expect(startOfDayInZone('2026-03-08', 'America/New_York')).toBe('2026-03-08T05:00:00.000Z');
    expect(startOfDayInZone('2026-03-09', 'America/New_York')).toBe('2026-03-09T04:00:00.000Z');
    expect(startOfDayInZone('2026-07-01', 'Asia/Kolkata')).toBe('2026-06-30T18:30:00.000Z');
    expect(startOfDayInZone('2026-07-01', 'UTC')).toBe('2026-07-01T00:00:00.000Z');
  });
});
