import type { Metadata } from "next";
import { LogsPage } from "@/components/logs/logs-page";

export const metadata: Metadata = { title: "Logs · Inferline" };

type TSearch = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (typeof v === "string" ? v.slice(0, 200) : undefined);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Filters can be preset from the URL: ?slug=&status=&source=&version=&key=&minMs= */
export default async function Page({ searchParams }: { searchParams: Promise<TSearch> }) {
  const q = await searchParams;
  const key = one(q.key);
  return (
    <LogsPage
      initial={{
        slug: one(q.slug),
        status: one(q.status),
        source: one(q.source),
        version: one(q.version),
        apiKeyId: key && UUID.test(key) ? key : undefined,
        minMs: one(q.minMs),
      }}
    />
  );
}
