import type { Metadata } from "next";
import { DocsIndexPage } from "@/components/api-docs/docs-index-page";

export const metadata: Metadata = { title: "API docs · Inferline" };

export default function Page() {
  return <DocsIndexPage />;
}
