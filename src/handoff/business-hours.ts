/**
 * When IT answers: weekly opening hours and holidays in one time zone (default Asia/Tokyo).
 * BUSINESS_HOURS="mon-fri 09:00-18:00; sat 10:00-13:00" (or "always"), BUSINESS_HOLIDAYS="2026-12-29,2026-12-30",
 * BUSINESS_TZ="Asia/Tokyo". Times are wall-clock times in that zone; no conversion to UTC is ever needed.
 */
export interface OpeningWindow {
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** Minutes after local midnight; end is exclusive. */
  start: number;
  end: number;
}

export interface BusinessHours {
  timeZone: string;
  /** Empty with `always` set: open around the clock. */
  windows: OpeningWindow[];
  always: boolean;
  /** Local dates (YYYY-MM-DD) when IT is closed all day. */
  holidays: ReadonlySet<string>;
}

export const DEFAULT_BUSINESS_HOURS = 'mon-fri 09:00-18:00';
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function parseTime(text: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  if (!match || hours > 24 || minutes > 59 || (hours === 24 && minutes !== 0)) throw new Error(`"${text}" is not a time like 09:00`);
  return hours * 60 + minutes;
}

function parseDays(text: string): number[] {
  const days = new Set<number>();
  for (const part of text.toLowerCase().split(',').map((p) => p.trim()).filter(Boolean)) {
    const [from, to] = part.split('-').map((d) => DAYS.indexOf(d.trim().slice(0, 3)));
    if (from === undefined || from < 0 || (to !== undefined && to < 0)) throw new Error(`"${part}" is not a day or range like mon-fri`);
    const last = to ?? from;
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === last) break;
    }
  }
  return [...days];
}

/** Reads the three settings; throws an Error naming the setting and the part that is wrong. */
export function parseBusinessHours(hoursText: string | undefined, holidaysText: string | undefined, timeZone: string | undefined): BusinessHours {
  const zone = timeZone?.trim() || 'Asia/Tokyo';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new Error(`BUSINESS_TZ "${zone}" is not a known time zone (use an IANA name such as Asia/Tokyo)`);
  }
  const text = hoursText?.trim() || DEFAULT_BUSINESS_HOURS;
  const always = /^(always|24\/7)$/i.test(text);
  const windows: OpeningWindow[] = [];
  if (!always) {
    for (const entry of text.split(';').map((e) => e.trim()).filter(Boolean)) {
      const match = /^(\S+)\s+(.+)$/.exec(entry);
      if (!match?.[1] || !match[2]) throw new Error(`BUSINESS_HOURS entry "${entry}" must look like "mon-fri 09:00-18:00"`);
      try {
        const days = parseDays(match[1]);
        for (const range of match[2].split(',').map((r) => r.trim()).filter(Boolean)) {
          const [from, to, ...rest] = range.split('-');
          if (from === undefined || to === undefined || rest.length > 0) throw new Error(`"${range}" is not a range like 09:00-18:00`);
          const start = parseTime(from);
          const end = parseTime(to);
          if (end <= start) throw new Error(`"${range}" ends before it starts`);
          for (const weekday of days) windows.push({ weekday, start, end });
        }
      } catch (err) {
        throw new Error(`BUSINESS_HOURS entry "${entry}": ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (windows.length === 0) throw new Error('BUSINESS_HOURS has no opening hours; use "always" for around the clock');
  }
  const holidays = new Set<string>();
  for (const day of (holidaysText ?? '').split(',').map((d) => d.trim()).filter(Boolean)) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
      throw new Error(`BUSINESS_HOLIDAYS: "${day}" is not a date like 2026-12-29`);
    }
    holidays.add(day);
  }
  return { timeZone: zone, windows, always, holidays };
}

interface LocalDay {
  date: string;
  year: number;
  month: number;
  day: number;
  weekday: number;
  minutes: number;
}

/** One formatter per time zone: building an Intl.DateTimeFormat costs far more than using one (each ticket asks). */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function localDay(at: Date, timeZone: string): LocalDay {
  const parts = formatterFor(timeZone).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? '0');
  const year = part('year');
  const month = part('month');
  const day = part('day');
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  const date = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { date, year, month, day, weekday, minutes: part('hour') * 60 + part('minute') };
}

function formatMinutes(minutes: number): string {
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}

export interface Availability {
  openNow: boolean;
  /** The next opening, in the helpdesk's local time, when closed now; null when open or never open. */
  nextOpen: { month: number; day: number; weekday: number; time: string } | null;
}

/** Is IT open at `now`, and if not, when does it open next (looking up to 60 days ahead)? */
export function availability(hours: BusinessHours, now: Date): Availability {
  if (hours.always) return { openNow: true, nextOpen: null };
  const today = localDay(now, hours.timeZone);
  const openAt = (weekday: number) => hours.windows.filter((w) => w.weekday === weekday).sort((a, b) => a.start - b.start);
  if (!hours.holidays.has(today.date) && openAt(today.weekday).some((w) => w.start <= today.minutes && today.minutes < w.end)) {
    return { openNow: true, nextOpen: null };
  }
  for (let offset = 0; offset <= 60; offset++) {
    // Noon UTC of the local calendar day + offset: a safe way to walk calendar days without DST surprises.
    const probe = new Date(Date.UTC(today.year, today.month - 1, today.day + offset, 12));
    const date = probe.toISOString().slice(0, 10);
    if (hours.holidays.has(date)) continue;
    const weekday = probe.getUTCDay();
    const window = openAt(weekday).find((w) => offset > 0 || w.start > today.minutes);
    if (window) {
      return {
        openNow: false,
        nextOpen: { month: probe.getUTCMonth() + 1, day: probe.getUTCDate(), weekday, time: formatMinutes(window.start) },
      };
    }
  }
  return { openNow: false, nextOpen: null };
}
