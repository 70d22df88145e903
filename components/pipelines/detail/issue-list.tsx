import type { TIssue } from "@/components/ui/errors";

/** INVALID_GRAPH / INVALID_INPUT issues: where (a dotted path) and what. */
export function IssueList({ title, issues, testId }: { title: string; issues: TIssue[]; testId?: string }) {
  return (
    <div className="issues" role="alert" data-testid={testId}>
      <p className="issues-title">{title}</p>
      <ul className="issues-list">
        {issues.map((issue, i) => (
          <li key={`${issue.path}-${i}`}>
            <code className="issue-path">{issue.path || "(root)"}</code>
            <span>{issue.message}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
