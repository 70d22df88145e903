import { hash, verify } from "@node-rs/argon2";

/**
 * Passwords are hashed with Argon2id (memory-hard) by @node-rs/argon2, with its defaults
 * (m = 19 MiB, t = 2, p = 1: the OWASP baseline). The PHC string carries its own parameters and salt.
 */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

// Verified against when the email is unknown, so a wrong email costs the same time as a wrong password.
let dummy: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= hashPassword("inferline-dummy-password");
  await verifyPassword(await dummy, password);
}
