import type { Metadata } from "next";
import { ModelDetailPage } from "@/components/models/model-detail-page";

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }): Promise<Metadata> {
  const { name } = await params;
  return { title: `${decodeURIComponent(name)} · Models · Inferline` };
}

export default function Page() {
  return <ModelDetailPage />;
}
