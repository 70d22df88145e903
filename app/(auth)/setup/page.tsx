import type { Metadata } from "next";
import { SetupForm } from "@/components/auth/setup-form";

export const metadata: Metadata = { title: "Set up · Inferline" };

export default function SetupPage() {
  return <SetupForm />;
}
