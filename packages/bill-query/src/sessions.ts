import { createHash, randomBytes } from "node:crypto";

export interface Session {
  /** For the access log: not the token, which is never written anywhere. */
  readonly id: string;
  readonly msisdn: string;
  /** The kiosk the session was opened at; null on the web. */
  readonly kioskId: string | null;
  lastSeenMs: number;
}

/**
 * Sessions bound to one msisdn and to the kiosk they were opened at, ended
 * after `idleMs` without a request (a kiosk is a shared machine). Held in
 * the process: a restart signs everyone out, which a kiosk user can bear.
 */
export class SessionStore {
  private readonly byToken = new Map<string, Session>();

  constructor(
    private readonly idleMs: number,
    private readonly now: () => number,
  ) {}

  open(msisdn: string, kioskId: string | null): { token: string; session: Session } {
    this.sweep();
    const token = randomBytes(32).toString("base64url");
    const session: Session = {
      id: createHash("sha256").update(token).digest("base64url").slice(0, 16),
      msisdn,
      kioskId,
      lastSeenMs: this.now(),
    };
    this.byToken.set(token, session);
    return { token, session };
  }

  /** The live session of a token used from the same kiosk, touched; null otherwise. */
  touch(token: string, kioskId: string | null): Session | null {
    const session = this.byToken.get(token);
    if (!session) return null;
    const now = this.now();
    if (now - session.lastSeenMs > this.idleMs) {
      this.byToken.delete(token);
      return null;
    }
    if (session.kioskId !== kioskId) return null;
    session.lastSeenMs = now;
    return session;
  }

  close(token: string): void {
    this.byToken.delete(token);
  }

  get idleSeconds(): number {
    return Math.round(this.idleMs / 1000);
  }

  private sweep(): void {
    const now = this.now();
    for (const [token, s] of this.byToken) if (now - s.lastSeenMs > this.idleMs) this.byToken.delete(token);
  }
}
