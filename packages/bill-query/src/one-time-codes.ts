import { createHash, randomInt, timingSafeEqual } from "node:crypto";

/** Sends a text message to a subscriber. Production plugs in the operator's SMS gateway. */
export interface SmsSender {
  send(msisdn: string, text: string): Promise<void>;
}

/** The development sender: writes the message, code included, to the log instead of a phone. */
export function logSmsSender(log: (message: string) => void): SmsSender {
  return {
    async send(msisdn, text) {
      log(`development SMS to ${msisdn}: ${text}`);
    },
  };
}

interface Pending {
  readonly digest: Buffer;
  readonly sentMs: number;
  attemptsLeft: number;
}

const digest = (code: string) => createHash("sha256").update(code).digest();

/**
 * One-time sign-in codes: six digits, valid five minutes, five tries, at
 * most one sent a minute per msisdn. Only a digest of the code is kept.
 */
export class OneTimeCodes {
  static readonly VALID_MS = 5 * 60_000;
  static readonly RESEND_MS = 60_000;
  static readonly ATTEMPTS = 5;
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly sender: SmsSender,
    private readonly now: () => number,
  ) {}

  /** Seconds to wait before another code may be sent to the msisdn; 0 when one may. */
  waitSeconds(msisdn: string): number {
    const p = this.pending.get(msisdn);
    if (!p) return 0;
    return Math.max(0, Math.ceil((p.sentMs + OneTimeCodes.RESEND_MS - this.now()) / 1000));
  }

  async send(msisdn: string): Promise<void> {
    // Codes past their validity are of no use to anyone: drop them, so the map holds only live ones.
    const now = this.now();
    for (const [m, p] of this.pending) if (now - p.sentMs > OneTimeCodes.VALID_MS) this.pending.delete(m);
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    this.pending.set(msisdn, { digest: digest(code), sentMs: now, attemptsLeft: OneTimeCodes.ATTEMPTS });
    await this.sender.send(msisdn, `【话费清单】验证码 ${code}，5分钟内有效。Your sign-in code is ${code}.`);
  }

  /** Whether the code is the msisdn's live code; a right code is used up, a wrong one costs a try. */
  check(msisdn: string, code: string): boolean {
    const p = this.pending.get(msisdn);
    if (!p || this.now() - p.sentMs > OneTimeCodes.VALID_MS || p.attemptsLeft <= 0) return false;
    const ok = /^\d{6}$/.test(code) && timingSafeEqual(digest(code), p.digest);
    if (ok) this.pending.delete(msisdn);
    else p.attemptsLeft -= 1;
    return ok;
  }
}
