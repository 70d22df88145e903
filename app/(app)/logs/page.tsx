import type { Metadata } from "next";
import { LogsPage } from "@/components/logs/logs-page";

export const metadata: Metadata = { title: "Logs · Inferline" };

export default function Page() {
  return <LogsPage />;
}
