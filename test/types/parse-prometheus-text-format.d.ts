declare module "parse-prometheus-text-format" {
  export interface TPromSample {
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  export interface TPromFamily {
    name: string;
    help: string;
    type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
    metrics: TPromSample[];
  }
  export default function parsePrometheusTextFormat(text: string): TPromFamily[];
}
