import Link from "next/link";
import { Brand } from "@/components/layout/logo";

export default function NotFound() {
  return (
    <div className="auth-page">
      <div className="auth-column">
        <div className="auth-brand">
          <Brand />
        </div>
        <main className="auth-card center">
          <p className="eyebrow">404</p>
          <h1 className="auth-title">Page not found</h1>
          <p className="auth-subtitle">The page you asked for does not exist.</p>
          <Link href="/pipelines" className="btn btn-primary">
            Go to pipelines
          </Link>
        </main>
      </div>
    </div>
  );
}
