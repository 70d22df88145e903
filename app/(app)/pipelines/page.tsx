import type { Metadata } from "next";
import { PipelinesPage } from "@/components/pipelines/pipelines-page";

export const metadata: Metadata = { title: "Pipelines · Inferline" };

export default function Page() {
  return <PipelinesPage />;
}
