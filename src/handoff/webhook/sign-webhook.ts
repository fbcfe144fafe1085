import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-helpdesk-signature';
export const TIMESTAMP_HEADER = 'x-helpdesk-timestamp';
export const EVENT_ID_HEADER = 'x-helpdesk-event-id';
export const EVENT_TYPE_HEADER = 'x-helpdesk-event';
export const ATTEMPT_HEADER = 'x-helpdesk-delivery-attempt';

/** `sha256=<hex>`: HMAC-SHA256 of the raw request body with the shared WEBHOOK_SECRET. */
export function signBody(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** What a receiver does: recompute the signature over the raw body and compare in constant time. */
export function verifySignature(secret: string, rawBody: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signBody(secret, rawBody));
  const given = Buffer.from(header.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}
