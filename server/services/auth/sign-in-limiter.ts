import { RateLimiterMemory, type RateLimiterRes } from "rate-limiter-flexible";
import { AppError } from "../../errors.ts";

export interface TSignInLimits {
  /** Failed sign-ins per account (email) within the window; past it, that account's sign-ins are refused. */
  perAccount: number;
  /** Failed sign-ins per client address within the window (any accounts); past it, that address is refused. */
  perAddress: number;
  windowSeconds: number;
}

export const DEFAULT_SIGN_IN_LIMITS: TSignInLimits = { perAccount: 10, perAddress: 30, windowSeconds: 15 * 60 };

/**
 * Brute-force guard of sign-in: each attempt takes a point from its account's and its address's budgets before
 * the password is checked (so parallel guesses cannot overrun them); a successful sign-in gives them back and
 * clears the account's failures. Once a budget is spent, every attempt — with the right password too — is
 * refused with TOO_MANY_ATTEMPTS (429, Retry-After) until its window ends. In memory: per process (replica).
 */
export class SignInLimiter {
  readonly #account: RateLimiterMemory;
  readonly #address: RateLimiterMemory;

  constructor(readonly limits: TSignInLimits = DEFAULT_SIGN_IN_LIMITS) {
    this.#account = new RateLimiterMemory({ keyPrefix: "sign-in-account", points: limits.perAccount, duration: limits.windowSeconds });
    this.#address = new RateLimiterMemory({ keyPrefix: "sign-in-address", points: limits.perAddress, duration: limits.windowSeconds });
  }

  /** Takes one attempt; throws TOO_MANY_ATTEMPTS (with `retryAfterSeconds`) when the account or the address is locked. */
  async begin(email: string, address: string | null): Promise<{ succeeded(): Promise<void> }> {
    const account = email.trim().toLowerCase();
    const tookAddress = address !== null;
    if (tookAddress) {
      try {
        await this.#address.consume(address);
      } catch (r) {
        throw locked(r, "from this address");
      }
    }
    try {
      await this.#account.consume(account);
    } catch (r) {
      if (tookAddress) await this.#address.reward(address, 1); // the account is locked: this attempt checked nothing
      throw locked(r, "for this account");
    }
    return {
      succeeded: async () => {
        await this.#account.delete(account);
        if (tookAddress) await this.#address.reward(address, 1);
      },
    };
  }
}

function locked(r: unknown, scope: string): AppError {
  if (r instanceof Error) return new AppError("INTERNAL", "The sign-in limiter failed.", undefined, { cause: r });
  const seconds = Math.max(1, Math.ceil(((r as RateLimiterRes).msBeforeNext ?? 1000) / 1000));
  const minutes = Math.ceil(seconds / 60);
  return new AppError("TOO_MANY_ATTEMPTS", `Too many failed sign-in attempts ${scope}; try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`, { retryAfterSeconds: seconds });
}
