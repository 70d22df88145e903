import { router } from "../../trpc.ts";
import { me } from "./me.ts";
import { setupStatus } from "./setup-status.ts";
import { setup } from "./setup.ts";
import { signIn } from "./sign-in.ts";
import { signOut } from "./sign-out.ts";

export const authRouter = router({ setupStatus, setup, signIn, signOut, me });
