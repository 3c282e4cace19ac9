/** One figure with its label; `exact` keeps the unrounded number for tests and copy-paste. */
export function Tile(props: {
  label: string;
  value: string;
  bad?: boolean;
  exact?: number;
  testid?: string;
}) {
  return (
    <div class="tile" data-testid={props.testid} data-value={props.exact}>
      <dt>{props.label}</dt>
      <dd class={props.bad ? "bad" : ""}>{props.value}</dd>
    </div>
  );
}
