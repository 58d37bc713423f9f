// A node:test reporter that writes nothing while tests run and, at the end, a
// list of the failed tests with their file, error code and first message lines.
// run-tests.js sends it to a file and prints that file after the TAP stream, so
// the failures are the last lines of a CI log however long the log is.
export default async function* failureSummary(source) {
  const failures = [];
  for await (const event of source) {
    if (event.type !== 'test:fail') continue;
    const { name, file, line, details } = event.data;
    const err = details?.error;
    // Suites fail when a child fails; their own entry adds nothing.
    if (err?.failureType === 'subtestsFailed') continue;
    const cause = err?.cause ?? err;
    const text = String(cause?.message ?? cause ?? 'unknown failure')
      .split('\n')
      .slice(0, 12)
      .join('\n    ');
    failures.push(`✖ ${name}\n    at ${file ?? '?'}:${line ?? '?'} (${err?.failureType ?? 'error'}${cause?.code ? `, ${cause.code}` : ''})\n    ${text}`);
  }
  if (failures.length === 0) {
    yield 'no failed tests\n';
    return;
  }
  yield `${failures.length} failed test(s):\n${failures.join('\n')}\n`;
}
