using System.Globalization;
using System.Net;
using System.Text;

namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// A self-contained SVG of two panels against a log-scale x axis, one line per server: the fan-out
/// chart (deliveries/s and CPU per delivery against the number of recipients) and the paced-direct
/// chart (p99 latency and CPU per message against the rate asked for). No library: a few dozen SVG
/// elements.
/// </summary>
public static class SvgChart
{
    private const int PanelWidth = 420;
    private const int PanelHeight = 300;
    private const int Left = 70;
    private const int Top = 50;
    private const int Bottom = 50;
    private const int Gap = 60;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly (ServerKind Server, string Color)[] Series =
    [
        (ServerKind.MasterSocket, "#1f77b4"),
        (ServerKind.Nats, "#ff7f0e"),
    ];

    /// <summary>One panel: its title and the figure it plots from a row (rows without it are left out).</summary>
    public sealed record Panel(string Label, Func<RunResult, double?> Value);

    /// <summary>The fan-out chart, from the median rows of one scenario with several recipient counts.</summary>
    public static string Fanout(string title, IReadOnlyList<(int Recipients, RunResult Row)> rows) =>
        Render(title, "recipients per message (log scale)", [.. rows.Select(r => ((double)r.Recipients, r.Row))],
            new Panel("deliveries/s", r => r.DeliveriesPerSecond),
            new Panel("server CPU µs per delivery", r => r.CpuMicrosPerDelivery));

    /// <summary>The paced-direct chart, from the median rows of a sweep over several asked rates.</summary>
    public static string PacedLatency(string title, IReadOnlyList<(double Rate, RunResult Row)> rows) =>
        Render(title, "messages/s asked (log scale)", rows,
            new Panel("p99 latency, ms", r => r.P99Micros / 1000),
            new Panel("server CPU µs per message", r => r.CpuMicrosPerMessage));

    private static string Render(string title, string xLabel, IReadOnlyList<(double X, RunResult Row)> rows, Panel left, Panel right)
    {
        var width = Left + PanelWidth + Gap + Left + PanelWidth + 60;
        var height = Top + PanelHeight + Bottom + 30;
        var svg = new StringBuilder();
        svg.Append(Invariant, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(Invariant, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append(Invariant, $"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Escape(title)}</text>\n");

        DrawPanel(svg, Left, xLabel, left, rows);
        DrawPanel(svg, Left + PanelWidth + Gap + Left, xLabel, right, rows);

        // Legend under the panels.
        var legendY = Top + PanelHeight + Bottom + 10;
        var x = Left;
        foreach (var (server, color) in Series)
        {
            svg.Append(Invariant, $"<line x1=\"{x}\" y1=\"{legendY}\" x2=\"{x + 24}\" y2=\"{legendY}\" stroke=\"{color}\" stroke-width=\"3\"/>");
            svg.Append(Invariant, $"<circle cx=\"{x + 12}\" cy=\"{legendY}\" r=\"4\" fill=\"{color}\"/>");
            svg.Append(Invariant, $"<text x=\"{x + 30}\" y=\"{legendY + 4}\">{server.Label()}</text>\n");
            x += 160;
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void DrawPanel(StringBuilder svg, int left, string xLabel, Panel panel, IReadOnlyList<(double X, RunResult Row)> rows)
    {
        var xs = rows.Select(r => r.X).Distinct().Order().ToList();
        var values = rows.Select(r => panel.Value(r.Row)).Where(v => v is not null).Select(v => v!.Value).ToList();
        var max = NiceCeiling(values.Count > 0 ? values.Max() : 1);
        var minLog = Math.Log10(xs.Count > 0 ? xs[0] : 1);
        var maxLog = Math.Log10(xs.Count > 0 ? xs[^1] : 10);
        if (maxLog - minLog < 1e-9)
        {
            minLog -= 0.5;
            maxLog += 0.5;
        }

        double X(double n) => left + ((Math.Log10(n) - minLog) / (maxLog - minLog) * PanelWidth);
        double Y(double v) => Top + PanelHeight - (v / max * PanelHeight);

        svg.Append(Invariant, $"<text x=\"{left + (PanelWidth / 2)}\" y=\"{Top - 12}\" text-anchor=\"middle\" font-weight=\"bold\">{Escape(panel.Label)}</text>\n");
        for (var i = 0; i <= 5; i++)
        {
            var v = max * i / 5;
            var y = Y(v);
            svg.Append(Invariant, $"<line x1=\"{left}\" y1=\"{y:0.#}\" x2=\"{left + PanelWidth}\" y2=\"{y:0.#}\" stroke=\"#ddd\"/>");
            svg.Append(Invariant, $"<text x=\"{left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{Escape(Tick(v))}</text>\n");
        }

        foreach (var n in xs)
        {
            svg.Append(Invariant, $"<line x1=\"{X(n):0.#}\" y1=\"{Top + PanelHeight}\" x2=\"{X(n):0.#}\" y2=\"{Top + PanelHeight + 5}\" stroke=\"#333\"/>");
            svg.Append(Invariant, $"<text x=\"{X(n):0.#}\" y=\"{Top + PanelHeight + 18}\" text-anchor=\"middle\">{Escape(AxisTick(n))}</text>\n");
        }

        svg.Append(Invariant, $"<text x=\"{left + (PanelWidth / 2)}\" y=\"{Top + PanelHeight + 36}\" text-anchor=\"middle\">{Escape(xLabel)}</text>\n");
        svg.Append(Invariant, $"<rect x=\"{left}\" y=\"{Top}\" width=\"{PanelWidth}\" height=\"{PanelHeight}\" fill=\"none\" stroke=\"#333\"/>\n");

        foreach (var (server, color) in Series)
        {
            var points = rows.Where(r => r.Row.Server == server && panel.Value(r.Row) is not null)
                .OrderBy(r => r.X)
                .Select(r => (X: X(r.X), Y: Y(panel.Value(r.Row)!.Value), V: panel.Value(r.Row)!.Value))
                .ToList();
            if (points.Count == 0)
            {
                continue;
            }

            var path = string.Join(' ', points.Select(p => string.Create(Invariant, $"{p.X:0.#},{p.Y:0.#}")));
            svg.Append(Invariant, $"<polyline points=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2.5\"/>\n");
            foreach (var p in points)
            {
                svg.Append(Invariant, $"<circle cx=\"{p.X:0.#}\" cy=\"{p.Y:0.#}\" r=\"4\" fill=\"{color}\"><title>{Escape(server.Label())}: {Escape(Tick(p.V))}</title></circle>");
                svg.Append(Invariant, $"<text x=\"{p.X + 6:0.#}\" y=\"{p.Y - 6:0.#}\" fill=\"{color}\" font-size=\"11\">{Escape(Tick(p.V))}</text>\n");
            }
        }
    }

    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1.0, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 })
        {
            if (value * 1.05 <= step * magnitude)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Tick(double value) => value switch
    {
        >= 1_000_000 => (value / 1_000_000).ToString("0.##", Invariant) + "M",
        >= 10_000 => (value / 1000).ToString("0.#", Invariant) + "k",
        >= 100 => value.ToString("0", Invariant),
        >= 1 => value.ToString("0.##", Invariant),
        _ => value.ToString("0.###", Invariant),
    };

    /// <summary>An x-axis label: 1,000 as it is, 25,000 as 25k.</summary>
    private static string AxisTick(double value) => value >= 10_000 ? Tick(value) : value.ToString("N0", Invariant);

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
