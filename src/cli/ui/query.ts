/**
 * Query strings of the viewer's API into store queries. Bad values are the caller's mistake
 * (400 with the reason), never a silent default that shows the wrong range.
 */
import {
  SESSION_SORTS,
  type SessionListQuery,
  type SessionSort,
  type UsageQuery,
} from "../../store/index.js";

export class BadQuery extends Error {
  override readonly name = "BadQuery";
}

function epochMs(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new BadQuery(`${name} must be epoch milliseconds`);
  return value;
}

function whole(params: URLSearchParams, name: string, max: number): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === "") return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) > max)
    throw new BadQuery(`${name} must be a whole number up to ${max}`);
  return Number(raw);
}

function textParam(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name)?.trim();
  if (!value) return undefined;
  if (value.length > 500) throw new BadQuery(`${name} is too long`);
  return value;
}

const isSort = (value: string): value is SessionSort => SESSION_SORTS.some((s) => s === value);

/** The filters the sessions and usage pages share. */
function filters(params: URLSearchParams) {
  const since = epochMs(params, "since");
  const until = epochMs(params, "until");
  if (since !== undefined && until !== undefined && since >= until)
    throw new BadQuery("since must be before until");
  const project = textParam(params, "project");
  const agent = textParam(params, "agent");
  return {
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(project ? { project } : {}),
    ...(agent ? { agent } : {}),
  };
}

export function sessionQueryOf(params: URLSearchParams): SessionListQuery {
  const sort = params.get("sort") ?? "start";
  if (!isSort(sort)) throw new BadQuery(`sort must be one of ${SESSION_SORTS.join(", ")}`);
  const dir = params.get("dir") ?? "desc";
  if (dir !== "asc" && dir !== "desc") throw new BadQuery("dir must be asc or desc");
  const model = textParam(params, "model");
  const text = textParam(params, "q");
  const offset = whole(params, "offset", 1e9);
  const limit = whole(params, "limit", 500);
  return {
    ...filters(params),
    ...(model ? { model } : {}),
    ...(text ? { text } : {}),
    sort,
    descending: dir === "desc",
    ...(offset !== undefined ? { offset } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
}

export function usageQueryOf(params: URLSearchParams): UsageQuery {
  const group = params.get("group");
  if (group !== null && group !== "day" && group !== "week" && group !== "month")
    throw new BadQuery("group must be day, week or month");
  const utc = params.get("utc") === "1";
  const model = textParam(params, "model");
  return {
    ...filters(params),
    ...(model ? { model } : {}),
    ...(group ? { group } : {}),
    ...(utc ? { timeZone: "utc" as const } : {}),
  };
}
