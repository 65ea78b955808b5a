using System.Globalization;
using System.Net;
using System.Text;

namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// A self-contained SVG of two panels against the number of recipients (log scale): deliveries/s
/// and server CPU µs per delivery, one line per server. No library: a few dozen SVG elements.
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

    /// <summary>Writes the chart for <paramref name="rows"/> (median rows of one scenario with several recipient counts).</summary>
    public static string Render(string title, IReadOnlyList<(int Recipients, RunResult Row)> rows)
    {
        var width = Left + PanelWidth + Gap + Left + PanelWidth + 60;
        var height = Top + PanelHeight + Bottom + 30;
        var svg = new StringBuilder();
        svg.Append(Invariant, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(Invariant, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append(Invariant, $"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Escape(title)}</text>\n");

        Panel(svg, Left, "deliveries/s", rows, r => r.DeliveriesPerSecond);
        Panel(svg, Left + PanelWidth + Gap + Left, "server CPU µs per delivery", rows, r => r.CpuMicrosPerDelivery);

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

    private static void Panel(StringBuilder svg, int left, string label, IReadOnlyList<(int Recipients, RunResult Row)> rows, Func<RunResult, double?> value)
    {
        var recipients = rows.Select(r => r.Recipients).Distinct().Order().ToList();
        var values = rows.Select(r => value(r.Row)).Where(v => v is not null).Select(v => v!.Value).ToList();
        var max = NiceCeiling(values.Count > 0 ? values.Max() : 1);
        var minLog = Math.Log10(recipients.Count > 0 ? recipients[0] : 1);
        var maxLog = Math.Log10(recipients.Count > 0 ? recipients[^1] : 10);
        if (maxLog - minLog < 1e-9)
        {
            minLog -= 0.5;
            maxLog += 0.5;
        }

        double X(int n) => left + ((Math.Log10(n) - minLog) / (maxLog - minLog) * PanelWidth);
        double Y(double v) => Top + PanelHeight - (v / max * PanelHeight);

        svg.Append(Invariant, $"<text x=\"{left + (PanelWidth / 2)}\" y=\"{Top - 12}\" text-anchor=\"middle\" font-weight=\"bold\">{Escape(label)}</text>\n");
        for (var i = 0; i <= 5; i++)
        {
            var v = max * i / 5;
            var y = Y(v);
            svg.Append(Invariant, $"<line x1=\"{left}\" y1=\"{y:0.#}\" x2=\"{left + PanelWidth}\" y2=\"{y:0.#}\" stroke=\"#ddd\"/>");
            svg.Append(Invariant, $"<text x=\"{left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{Escape(Tick(v))}</text>\n");
        }

        foreach (var n in recipients)
        {
            svg.Append(Invariant, $"<line x1=\"{X(n):0.#}\" y1=\"{Top + PanelHeight}\" x2=\"{X(n):0.#}\" y2=\"{Top + PanelHeight + 5}\" stroke=\"#333\"/>");
            svg.Append(Invariant, $"<text x=\"{X(n):0.#}\" y=\"{Top + PanelHeight + 18}\" text-anchor=\"middle\">{n:N0}</text>\n");
        }

        svg.Append(Invariant, $"<text x=\"{left + (PanelWidth / 2)}\" y=\"{Top + PanelHeight + 36}\" text-anchor=\"middle\">recipients per message (log scale)</text>\n");
        svg.Append(Invariant, $"<rect x=\"{left}\" y=\"{Top}\" width=\"{PanelWidth}\" height=\"{PanelHeight}\" fill=\"none\" stroke=\"#333\"/>\n");

        foreach (var (server, color) in Series)
        {
            var points = rows.Where(r => r.Row.Server == server && value(r.Row) is not null)
                .OrderBy(r => r.Recipients)
                .Select(r => (X: X(r.Recipients), Y: Y(value(r.Row)!.Value), V: value(r.Row)!.Value))
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

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
