import type { Metadata } from "next";
import { ApiDocsPage } from "@/components/api-docs/api-docs-page";

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  const { slug } = await params;
  return { title: `${decodeURIComponent(slug)} API · Inferline` };
}

export default function Page() {
  return <ApiDocsPage />;
}
