import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { BinaryStrip, elideThumbnails, findBinaries } from "../../components/logs/binary-inputs.tsx";

const THUMB = "data:image/webp;base64,UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAwA0JaQAA3AA/vuUAAA=";
const photo = { $binary: { sha256: "ab".repeat(32), bytes: 10_846, mediaType: "image/jpeg", thumbnail: THUMB } };
const wav = { $binary: { sha256: "cd".repeat(32), bytes: 3000, mediaType: "audio/wav" } };

describe("binary inputs of a logged call (log detail, replay banner)", () => {
  it("finds every $binary with its path, and shows only WebP data URLs as thumbnails", () => {
    const spoofed = { $binary: { sha256: "x", bytes: 1, thumbnail: "https://example.com/pixel.gif" } };
    expect(findBinaries({ photo, doc: { pages: [wav, spoofed] }, note: "hi" })).toEqual([
      { path: "photo", sha256: "ab".repeat(32), bytes: 10_846, mediaType: "image/jpeg", thumbnail: THUMB },
      { path: "doc.pages.0", sha256: "cd".repeat(32), bytes: 3000, mediaType: "audio/wav", thumbnail: null },
      { path: "doc.pages.1", sha256: "x", bytes: 1, mediaType: null, thumbnail: null },
    ]);
  });

  it("renders the thumbnail with its type and size as alt text, and keeps the JSON view short", () => {
    const html = renderToStaticMarkup(createElement(BinaryStrip, { value: { photo, sound: wav } }));
    expect(html.match(/data-testid="log-binary-thumbnail"/g)).toHaveLength(1);
    expect(html).toContain(`src="${THUMB}"`);
    expect(html).toContain('alt="Thumbnail of photo (image/jpeg, 11 KB)"');
    expect(html).toContain("audio/wav, 2.9 KB");
    expect(renderToStaticMarkup(createElement(BinaryStrip, { value: { a: 1 } }))).toBe("");

    const shown = JSON.stringify(elideThumbnails({ photo, sound: wav, n: [1, 2] }));
    expect(shown).not.toContain("base64");
    expect(shown).toContain("shown above");
    expect(shown).toContain("ab".repeat(32));
  });
});
