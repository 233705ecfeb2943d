import { PageHeading } from '../components/page-heading.js';

export function NotFoundPage({ path }: { path: string }) {
  return (
    <>
      <PageHeading title="Page not found" />
      <p>
        The dashboard has no page at <code>{path}</code>. Start from the <a href="#/">overview</a>.
      </p>
    </>
  );
}
