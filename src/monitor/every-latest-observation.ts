import type { LatestObservation, LatestQuery } from '../store/observation-log.js';

/** The question of the observation log this needs; ObservationLog answers it. */
export interface LatestObservations {
  latest(query: LatestQuery): Promise<readonly LatestObservation[]>;
}

/** Endpoints read per query: the log's largest page. */
const PAGE = 10_000;

/**
 * The latest observation of every enabled endpoint, page by page in endpoint id order: what alert rules and
 * the probe metrics read at each evaluation or scrape.
 */
export async function everyLatestObservation(
  observations: LatestObservations,
  pageSize = PAGE,
): Promise<readonly LatestObservation[]> {
  const all: LatestObservation[] = [];
  for (let afterId: number | undefined; ;) {
    const page = await observations.latest({
      enabled: true,
      limit: pageSize,
      ...(afterId === undefined ? {} : { afterId }),
    });
    all.push(...page);
    if (page.length < pageSize) return all;
    afterId = page[page.length - 1]?.endpoint.id;
  }
}
