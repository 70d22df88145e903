/** The Inferline mark: three nodes wired left to right. */
export function LogoMark({ size = 28 }: { size?: number }) {
  return (
    <svg className="logo-mark" width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="8" fill="var(--accent)" />
      <path d="M9 16h5.5M17.5 16H23M14.5 16l3-5M14.5 16l3 5" stroke="#fff" strokeOpacity=".75" strokeWidth="1.6" strokeLinecap="round" />
      <circle cx="8.5" cy="16" r="2.6" fill="#fff" />
      <circle cx="18" cy="10.5" r="2.2" fill="#fff" />
      <circle cx="18" cy="21.5" r="2.2" fill="#fff" />
      <circle cx="24" cy="16" r="2.6" fill="#fff" />
    </svg>
  );
}

export function Brand() {
  return (
    <span className="brand">
      <LogoMark />
      <span className="brand-name">Inferline</span>
    </span>
  );
}
