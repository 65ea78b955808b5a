namespace MasterSocket.Protocol.Handshake;

/// <summary>
/// The parts of an HTTP/1.1 upgrade request (RFC 6455 section 4.1) the broker looks at. Parsed once
/// per connection, so plain strings are fine here.
/// </summary>
public sealed class HandshakeRequest
{
    public required string Method { get; init; }

    /// <summary>The request-target as sent, query included.</summary>
    public required string Target { get; init; }

    /// <summary>The path of the request-target, without the query.</summary>
    public required string Path { get; init; }

    public required int HttpMajor { get; init; }
    public required int HttpMinor { get; init; }

    /// <summary>Header values by lower-case name; repeated headers are joined with ", " (RFC 9110 5.3).</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public string? Header(string lowerCaseName) => Headers.GetValueOrDefault(lowerCaseName);

    /// <summary>The Origin header, for the host's AllowedOrigins check (PROTOCOL.md 8); null when absent.</summary>
    public string? Origin => Header("origin");

    /// <summary>True when the client asks to upgrade to WebSocket at all (Upgrade: websocket).</summary>
    public bool IsWebSocketUpgrade => HasToken(Header("upgrade"), "websocket");

    /// <summary>The subprotocols offered in Sec-WebSocket-Protocol, in order.</summary>
    public IEnumerable<string> OfferedSubprotocols => Tokens(Header("sec-websocket-protocol"));

    /// <summary>True when the comma-separated header <paramref name="value"/> holds <paramref name="token"/> (case-insensitive).</summary>
    public static bool HasToken(string? value, string token) =>
        Tokens(value).Any(t => t.Equals(token, StringComparison.OrdinalIgnoreCase));

    private static string[] Tokens(string? value) =>
        value is null ? [] : value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
