/** The progress bar of a file upload; `sentText` once every byte is sent and the server is still at work. */
export function UploadProgress({ progress, label = "Upload progress", sentText }: { progress: number; label?: string; sentText: string }) {
  const percent = Math.round(progress * 100);
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-label={label}>
      <div className="progress-bar" style={{ width: `${percent}%` }} />
      <span className="progress-text">{progress < 1 ? `${percent}%` : sentText}</span>
    </div>
  );
}
