import type { SessionFacets } from "../../store/viewer-api-types.js";
import { RANGES, withParam } from "../filters.js";
import { navigate } from "../router.js";

interface Props {
  readonly path: string;
  readonly params: URLSearchParams;
  readonly facets: SessionFacets | undefined;
  /** Which optional filters the page has. */
  readonly model?: boolean;
  readonly text?: boolean;
}

/** Time range, project, model, agent and title search; every change is a new address. */
export function Filters({ path, params, facets, model, text }: Props) {
  const set = (name: string, value: string) => {
    const next = withParam(params, name, value).toString();
    navigate(next ? `${path}?${next}` : path, true);
  };
  const custom = params.has("from") || params.has("to");
  return (
    <form class="filters" onSubmit={(event) => event.preventDefault()}>
      <label>
        Time
        <select
          name="range"
          value={custom ? "custom" : (params.get("range") ?? "all")}
          onChange={(event) => set("range", event.currentTarget.value)}
        >
          {RANGES.map((range) => (
            <option key={range.value} value={range.value}>
              {range.label}
            </option>
          ))}
          {custom ? <option value="custom">Custom</option> : null}
        </select>
      </label>
      <label>
        From
        <input
          type="date"
          name="from"
          value={params.get("from") ?? ""}
          onChange={(event) => set("from", event.currentTarget.value)}
        />
      </label>
      <label>
        To
        <input
          type="date"
          name="to"
          value={params.get("to") ?? ""}
          onChange={(event) => set("to", event.currentTarget.value)}
        />
      </label>
      <FacetSelect
        label="Project"
        name="project"
        value={params.get("project") ?? ""}
        facets={facets?.projects}
        onChange={set}
      />
      {model ? (
        <FacetSelect
          label="Model"
          name="model"
          value={params.get("model") ?? ""}
          facets={facets?.models}
          onChange={set}
        />
      ) : null}
      <FacetSelect
        label="Agent"
        name="agent"
        value={params.get("agent") ?? ""}
        facets={facets?.agents}
        onChange={set}
      />
      {text ? (
        <label class="search">
          Search
          <input
            type="search"
            name="q"
            placeholder="Title or session id"
            value={params.get("q") ?? ""}
            onInput={(event) => set("q", event.currentTarget.value)}
          />
        </label>
      ) : null}
    </form>
  );
}

function FacetSelect(props: {
  label: string;
  name: string;
  value: string;
  facets: readonly { value: string; sessions: number }[] | undefined;
  onChange: (name: string, value: string) => void;
}) {
  const known = props.facets?.some((facet) => facet.value === props.value) ?? false;
  return (
    <label>
      {props.label}
      <select
        name={props.name}
        value={props.value}
        onChange={(event) => props.onChange(props.name, event.currentTarget.value)}
      >
        <option value="">All</option>
        {props.value && !known ? <option value={props.value}>{props.value}</option> : null}
        {(props.facets ?? []).map((facet) => (
          <option key={facet.value} value={facet.value}>
            {facet.value} ({facet.sessions})
          </option>
        ))}
      </select>
    </label>
  );
}
