namespace MasterSocket.Tests.Protocol.Support;

/// <summary>
/// Seeded random envelope JSON for the fuzz and differential tests: mostly well-formed envelopes
/// with every field in every shape the contract allows or refuses (strings with escapes and lone
/// surrogates, ids around the 128-byte limit, events past 256 bytes, numbers of every form,
/// nested data, intents of the wrong type, a client's "from", duplicate members, whitespace); the
/// fuzz tests mutate them with <see cref="ByteMutations"/>.
/// </summary>
internal static class RandomEnvelopes
{
    private static readonly string[] Strings =
        ["\"\"", "\"E\"", "\"GROUP\"", "\"GLOBAL\"", "\"DIRECT\"", "\"group\"", "\"lobby\"", "\"client-7f3a9c\"", "\"a\\\"b\"", "\"\\\\\"",
            "\"\\u00e9\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\ud83d\\ude00\"", "\"😀\"", "\"日本\"", "\"\\n\\t\\/\"", "\"x-1\"",
            "\"" + new string('x', 127) + "\"", "\"" + new string('y', 129) + "\"", "\"" + new string('e', 257) + "\""];

    private static readonly string[] Scalars =
        ["0", "-1", "1", "3", "5", "6", "42", "1.5", "-0.5e-3", "1e3", "1E+9", "99999999999999999999", "true", "false", "null"];

    private static readonly string[] Targets = ["\"GLOBAL\"", "\"GROUP\"", "\"DIRECT\"", "\"group\"", "null", "1"];

    private static readonly string[] Keys = ["op", "id", "event", "data", "intent", "target", "identifier", "from", "x"];

    /// <summary>A random JSON value; containers only down to a few levels.</summary>
    public static string Value(Random random, int depth)
    {
        switch (random.Next(depth > 3 ? 2 : 4))
        {
            case 0:
                return Scalars[random.Next(Scalars.Length)];
            case 1:
                return Strings[random.Next(Strings.Length)];
            case 2:
                return "[" + string.Join("," + Whitespace(random), Enumerable.Range(0, random.Next(4)).Select(_ => Value(random, depth + 1))) + "]";
            default:
                return "{" + string.Join(",", Enumerable.Range(0, random.Next(4))
                    .Select(_ => $"\"{Keys[random.Next(Keys.Length)]}\":{Whitespace(random)}{Value(random, depth + 1)}")) + "}";
        }
    }

    /// <summary>An envelope object: each field present or not, well-typed or not, in random order.</summary>
    public static string Envelope(Random random)
    {
        var fields = new List<string>();
        if (random.Next(8) > 0)
        {
            fields.Add($"\"op\":{Whitespace(random)}{(random.Next(3) == 0 ? Value(random, 3) : random.Next(-1, 7).ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        }

        if (random.Next(2) == 0)
        {
            fields.Add($"\"id\":{(random.Next(3) == 0 ? Value(random, 3) : Strings[random.Next(Strings.Length)])}");
        }

        if (random.Next(4) > 0)
        {
            fields.Add($"\"event\":{(random.Next(4) == 0 ? Value(random, 3) : Strings[random.Next(Strings.Length)])}");
        }

        if (random.Next(4) > 0)
        {
            fields.Add($"\"data\":{Whitespace(random)}{Value(random, 0)}");
        }

        if (random.Next(3) > 0)
        {
            var intent = new List<string>();
            if (random.Next(6) > 0)
            {
                intent.Add($"\"target\":{Targets[random.Next(Targets.Length)]}");
            }

            if (random.Next(2) == 0)
            {
                intent.Add($"\"identifier\":{(random.Next(3) == 0 ? Value(random, 3) : Strings[random.Next(Strings.Length)])}");
            }

            if (random.Next(4) == 0)
            {
                intent.Add($"\"x\":{Value(random, 2)}");
            }

            fields.Add(random.Next(10) == 0 ? $"\"intent\":{Value(random, 2)}" : "\"intent\":{" + string.Join(",", intent.OrderBy(_ => random.Next())) + "}");
        }

        if (random.Next(4) == 0)
        {
            fields.Add($"\"from\":{Value(random, 2)}");
        }

        if (random.Next(8) == 0 && fields.Count > 0)
        {
            fields.Add(fields[random.Next(fields.Count)]); // a duplicate member
        }

        return Whitespace(random) + "{" + string.Join("," + Whitespace(random), fields.OrderBy(_ => random.Next())) + "}" + Whitespace(random);
    }

    /// <summary>Mostly nothing; sometimes JSON whitespace of each kind.</summary>
    private static string Whitespace(Random random) => random.Next(4) == 0 ? new[] { " ", "\n", "\t", "\r\n  " }[random.Next(4)] : "";
}
