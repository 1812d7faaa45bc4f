/** Text for an XML attribute or element of the JUnit reports: markup escaped, control characters XML forbids dropped. */
export function xmlText(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!)
    // eslint-disable-next-line no-control-regex -- dropping control characters is the point: XML 1.0 forbids them
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '');
}
