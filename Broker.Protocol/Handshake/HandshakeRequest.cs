using System.Text;

namespace MasterSocket.Protocol.Handshake;

/// <summary>
/// The parts of an HTTP/1.1 upgrade request (RFC 6455 section 4.1) the broker looks at. Keeps the
/// request head as received (one byte array, already checked by <see cref="HandshakeParser"/>) and
/// finds a header when asked, so an upgrade allocates no string per header line: the validator's
/// checks read the bytes, and only a caller that asks for a header as text gets a string.
/// </summary>
public sealed class HandshakeRequest
{
    private static ReadOnlySpan<byte> LineEnd => "\r\n"u8;

    /// <summary>The request head (Latin-1), without the blank line that ends it.</summary>
    private readonly byte[] _head;

    /// <summary>Where the first header line starts in <see cref="_head"/> (its length when there is none).</summary>
    private readonly int _fieldsStart;

    internal HandshakeRequest(byte[] head, int fieldsStart, string method, string target, string path, int major, int minor)
    {
        _head = head;
        _fieldsStart = fieldsStart;
        Method = method;
        Target = target;
        Path = path;
        HttpMajor = major;
        HttpMinor = minor;
    }

    public string Method { get; }

    /// <summary>The request-target as sent, query included.</summary>
    public string Target { get; }

    /// <summary>The path of the request-target, without the query.</summary>
    public string Path { get; }

    public int HttpMajor { get; }

    public int HttpMinor { get; }

    /// <summary>
    /// The value of the header named <paramref name="lowerCaseName"/> (names compare in lower case, as
    /// given), or null when absent; repeated headers are joined with ", " (RFC 9110 5.3).
    /// </summary>
    public string? Header(string lowerCaseName)
    {
        string? joined = null;
        var at = _fieldsStart;
        while (NextValue(lowerCaseName, ref at, out var value))
        {
            var text = Encoding.Latin1.GetString(value);
            joined = joined is null ? text : $"{joined}, {text}";
        }

        return joined;
    }

    /// <summary>The Origin header, for the host's AllowedOrigins check (PROTOCOL.md 8); null when absent.</summary>
    public string? Origin => Header("origin");

    /// <summary>True when the client asks to upgrade to WebSocket at all (Upgrade: websocket).</summary>
    public bool IsWebSocketUpgrade => HasToken("upgrade", "websocket", ignoreCase: true);

    /// <summary>The subprotocols offered in Sec-WebSocket-Protocol, in order.</summary>
    public IEnumerable<string> OfferedSubprotocols => Tokens(Header("sec-websocket-protocol"));

    /// <summary>The Sec-WebSocket-Key as sent (the first one, if repeated; empty when absent).</summary>
    public ReadOnlySpan<byte> WebSocketKey
    {
        get
        {
            var at = _fieldsStart;
            return NextValue("sec-websocket-key", ref at, out var value) ? value : [];
        }
    }

    /// <summary>
    /// True when a comma-separated element of the header (any of its lines) is <paramref name="token"/>
    /// (an ASCII word), trimmed of white space as <see cref="OfferedSubprotocols"/> trims.
    /// </summary>
    public bool HasToken(string lowerCaseName, string token, bool ignoreCase)
    {
        var at = _fieldsStart;
        while (NextValue(lowerCaseName, ref at, out var value))
        {
            foreach (var range in value.Split((byte)','))
            {
                var element = TrimWhiteSpace(value[range]);
                if (ignoreCase ? Ascii.EqualsIgnoreCase(element, token) : Ascii.Equals(element, token))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>True when the header is present and <see cref="Header"/> would not be empty.</summary>
    public bool HasNonEmptyHeader(string lowerCaseName)
    {
        var at = _fieldsStart;
        if (!NextValue(lowerCaseName, ref at, out var first))
        {
            return false;
        }

        return !first.IsEmpty || NextValue(lowerCaseName, ref at, out _); // joined values hold ", "
    }

    /// <summary>The header's value when it appears exactly once; false when absent or repeated.</summary>
    public bool TryGetSingleHeader(string lowerCaseName, out ReadOnlySpan<byte> value)
    {
        var at = _fieldsStart;
        return NextValue(lowerCaseName, ref at, out value) && !NextValue(lowerCaseName, ref at, out _);
    }

    /// <summary>
    /// Finds the next header line from <paramref name="at"/> whose name, in lower case, is
    /// <paramref name="lowerCaseName"/>; its value without surrounding spaces and tabs.
    /// </summary>
    private bool NextValue(string lowerCaseName, scoped ref int at, out ReadOnlySpan<byte> value)
    {
        var head = _head.AsSpan();
        while (at < head.Length)
        {
            var line = head[at..];
            var end = line.IndexOf(LineEnd);
            if (end >= 0)
            {
                line = line[..end];
                at += end + LineEnd.Length;
            }
            else
            {
                at = head.Length;
            }

            var colon = line.IndexOf((byte)':');
            if (NameIs(line[..colon], lowerCaseName))
            {
                value = line[(colon + 1)..].Trim(" \t"u8);
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The name (a token, so ASCII) lower-cased equals <paramref name="lowerCaseName"/>, ordinally.</summary>
    private static bool NameIs(ReadOnlySpan<byte> name, string lowerCaseName)
    {
        if (name.Length != lowerCaseName.Length)
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            if ((char)(name[i] is >= (byte)'A' and <= (byte)'Z' ? name[i] + 32 : name[i]) != lowerCaseName[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>What <see cref="StringSplitOptions.TrimEntries"/> trims: every char that <see cref="char.IsWhiteSpace(char)"/> (Latin-1).</summary>
    private static ReadOnlySpan<byte> TrimWhiteSpace(ReadOnlySpan<byte> text)
    {
        var start = 0;
        while (start < text.Length && char.IsWhiteSpace((char)text[start]))
        {
            start++;
        }

        var end = text.Length;
        while (end > start && char.IsWhiteSpace((char)text[end - 1]))
        {
            end--;
        }

        return text[start..end];
    }

    private static string[] Tokens(string? value) =>
        value is null ? [] : value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
