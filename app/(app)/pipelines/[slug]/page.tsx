import type { Metadata } from "next";
import { PipelineDetailPage } from "@/components/pipelines/detail/pipeline-detail-page";

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  const { slug } = await params;
  return { title: `${decodeURIComponent(slug)} · Inferline` };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { replay } = await searchParams;
  return <PipelineDetailPage replayId={typeof replay === "string" && UUID.test(replay) ? replay.toLowerCase() : undefined} />;
}
