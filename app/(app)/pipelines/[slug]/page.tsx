import type { Metadata } from "next";
import { PipelineDetailPage } from "@/components/pipelines/detail/pipeline-detail-page";

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  const { slug } = await params;
  return { title: `${decodeURIComponent(slug)} · Inferline` };
}

export default function Page() {
  return <PipelineDetailPage />;
}
