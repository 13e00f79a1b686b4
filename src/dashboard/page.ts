/** The HTML page: the bundle does the rest. Asset URLs carry their ETag so a new build is fetched at once. */
export function pageHtml(
  version: string,
  css: string | undefined,
  js: string | undefined,
  preload: readonly string[] = [],
): string {
  const icon =
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%23365'/%3E%3C/svg%3E";
  const v = (tag: string | undefined) => (tag ? `?v=${encodeURIComponent(tag.replace(/"/g, ''))}` : '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>sixfold ${version}</title>
<link rel="icon" href="${icon}">
<link rel="stylesheet" href="/assets/app.css${v(css)}">
<script type="module" src="/assets/app.js${v(js)}"></script>
${preload.map((p) => `<link rel="modulepreload" href="/assets/${p}">`).join('\n')}
</head>
<body>
<div id="app"><noscript>The sixfold dashboard needs JavaScript.</noscript></div>
</body>
</html>
`;
}

/** What `/` says when the bundle was never built (tsc alone does not build it). */
export function missingBundleHtml(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>sixfold: dashboard not built</title></head>
<body><h1>The dashboard is not built</h1><p>Run <code>npm run build</code> (it bundles web/ into dist/src/dashboard/assets), then restart sixfold. /mcp and /metrics work without it.</p></body></html>
`;
}
