import { createHash } from 'node:crypto';
import { fillPlaceholders } from '../content/staff-content.js';

/**
 * A short number that stays the same for one user id: how IT staff tell two nameless Web Chat users apart
 * ("ゲスト（Web）#4821") without ever seeing a raw id such as `dl_o4KIOzS8qeeuhgQZ`.
 */
export function guestNumber(userId: string): string {
  const digest = createHash('sha256').update(userId).digest();
  return String(digest.readUInt32BE(0) % 10_000).padStart(4, '0');
}

/** The name a channel gave us, unless it is empty or just the id again (anonymous Web Chat users). */
export function knownUserName(user: { userId: string; userName: string }): string | null {
  const name = user.userName.trim();
  return name !== '' && name !== user.userId ? name : null;
}

/** The user as IT staff see them: their name, or the guest label (`{number}` placeholder) with their short number. */
export function displayUserName(user: { userId: string; userName: string }, guestLabel: string): string {
  return knownUserName(user) ?? fillPlaceholders(guestLabel, { number: guestNumber(user.userId) });
}
