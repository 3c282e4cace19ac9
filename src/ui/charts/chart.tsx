import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

const HEIGHT = 220;

interface Props {
  readonly title: string;
  readonly options: Omit<uPlot.Options, "width" | "height">;
  readonly data: uPlot.AlignedData;
  readonly testid?: string;
}

/** A uPlot chart sized to its container (canvas: thousands of points draw in milliseconds). */
export function Chart({ title, options, data, testid }: Props) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const plot = new uPlot(
      { ...options, width: Math.max(200, element.clientWidth), height: HEIGHT },
      data,
      element,
    );
    const observer = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(200, element.clientWidth), height: HEIGHT }),
    );
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [options, data]);
  return (
    <figure class="chart" data-testid={testid}>
      <figcaption>{title}</figcaption>
      <div ref={holder} />
    </figure>
  );
}
