/**
 * Ticket numbers: yymmdd of the receipt day in Asia/Shanghai, then a per-day sequence of at least 4 digits
 * (2611220042). The store hands out the sequence atomically, so numbers are unique across any number of processes.
 * The date part has a fixed length, so a sequence above 9999 just makes the number longer without colliding.
 */

/** The yymmdd day key in Asia/Shanghai for an instant. */
export function dayKey(at: Date): string {
  const shanghai = new Date(at.getTime() + 8 * 3600_000);
  const y = String(shanghai.getUTCFullYear() % 100).padStart(2, '0');
  const m = String(shanghai.getUTCMonth() + 1).padStart(2, '0');
  const d = String(shanghai.getUTCDate()).padStart(2, '0');
  return y + m + d;
}

export function formatTicketNumber(day: string, seq: number): string {
  return day + String(seq).padStart(4, '0');
}

/** Accepts what people type back (spaces, dashes, full-width digits) and returns the canonical number, or null. */
export function parseTicketNumber(input: string): string | null {
  const s = input.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/[\s-]/g, '');
  return /^\d{10,12}$/.test(s) ? s : null;
}
