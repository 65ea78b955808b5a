using System.Buffers.Text;

namespace MasterSocket.Protocol.Handshake;

/// <summary>The answer to an upgrade request: 101 to accept, or the error status and why.</summary>
public readonly record struct HandshakeDecision(int StatusCode, string Reason, string? Subprotocol = null)
{
    public bool Accepted => StatusCode == 101;
}

/// <summary>
/// The server's checks of RFC 6455 section 4.2.1, and the contract's rules on path, plain HTTP and
/// subprotocol (PROTOCOL.md 1). Origin and connection limits are the host's to add: they depend on
/// configuration and state, not on the request alone.
/// </summary>
public static class HandshakeValidator
{
    public const string WebSocketPath = "/ws";
    public const string Subprotocol = "mastersocket.v1";
    public const string SupportedVersion = "13";

    public static HandshakeDecision Decide(HandshakeRequest request, string path = WebSocketPath)
    {
        if (!string.Equals(request.Path, path, StringComparison.Ordinal))
        {
            return new(404, $"no WebSocket endpoint at this path: connect to {path}");
        }

        // PROTOCOL.md 1: "A plain HTTP request that is not an upgrade: 426 Upgrade Required."
        if (!request.IsWebSocketUpgrade)
        {
            return new(426, "this endpoint only speaks WebSocket: send an Upgrade: websocket request");
        }

        // 4.2.1 item 1: "An HTTP/1.1 or higher GET request".
        if (!string.Equals(request.Method, "GET", StringComparison.Ordinal))
        {
            return new(400, "a WebSocket upgrade must be a GET request");
        }

        if (request.HttpMajor < 1 || request.HttpMajor == 1 && request.HttpMinor < 1)
        {
            return new(400, "a WebSocket upgrade needs HTTP/1.1 or higher");
        }

        // item 2: a Host header.
        if (!request.HasNonEmptyHeader("host"))
        {
            return new(400, "missing Host header");
        }

        // item 4: a Connection header that includes the token "Upgrade".
        if (!request.HasToken("connection", "upgrade", ignoreCase: true))
        {
            return new(400, "the Connection header must include Upgrade");
        }

        // item 5: a Sec-WebSocket-Key that is 16 bytes, base64-encoded.
        // (Repeated keys join to "a, b", which is not base64.)
        if (!request.TryGetSingleHeader("sec-websocket-key", out var key) || !IsValidKey(key))
        {
            return new(400, "Sec-WebSocket-Key must be 16 bytes in base64");
        }

        // item 6 and 4.4: an unsupported version gets 426 with the versions we speak.
        if (!request.TryGetSingleHeader("sec-websocket-version", out var version) || !version.SequenceEqual("13"u8))
        {
            return new(426, "unsupported Sec-WebSocket-Version: this server speaks 13");
        }

        var subprotocol = request.HasToken("sec-websocket-protocol", Subprotocol, ignoreCase: false) ? Subprotocol : null;
        return new(101, "Switching Protocols", subprotocol);
    }

    private static bool IsValidKey(ReadOnlySpan<byte> latin1Key)
    {
        if (latin1Key.Length != 24)
        {
            return false;
        }

        Span<char> key = stackalloc char[24];
        for (var i = 0; i < key.Length; i++)
        {
            key[i] = (char)latin1Key[i];
        }

        Span<byte> decoded = stackalloc byte[18];
        return Convert.TryFromBase64Chars(key, decoded, out var written) && written == 16 && Base64.IsValid(key);
    }
}
