using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace MasterSocket.Protocol.Handshake;

/// <summary>Writes the server's side of the opening handshake (RFC 6455 section 4.2.2).</summary>
public static class HandshakeResponse
{
    /// <summary>The GUID every server appends to the client's key (RFC 6455 section 1.3).</summary>
    public const string KeyGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private static ReadOnlySpan<byte> KeyGuidUtf8 => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>Sec-WebSocket-Accept: base64(SHA-1(key + GUID)).</summary>
    public static string ComputeAccept(string key)
    {
        Span<byte> accept = stackalloc byte[AcceptLength];
        ComputeAccept(Encoding.ASCII.GetBytes(key), accept);
        return Encoding.ASCII.GetString(accept);
    }

    public static void WriteAccept(IBufferWriter<byte> output, string key, string? subprotocol) =>
        WriteAccept(output, Encoding.ASCII.GetBytes(key), subprotocol);

    /// <summary>
    /// Writes the 101 response for the key as sent (ASCII bytes), straight into <paramref name="output"/>:
    /// every upgrade writes one, so it goes without strings or builders.
    /// </summary>
    public static void WriteAccept(IBufferWriter<byte> output, ReadOnlySpan<byte> key, string? subprotocol)
    {
        Span<byte> accept = stackalloc byte[AcceptLength];
        ComputeAccept(key, accept);
        Write(output, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "u8);
        Write(output, accept);
        Write(output, "\r\n"u8);
        if (subprotocol is not null)
        {
            Write(output, "Sec-WebSocket-Protocol: "u8);
            Write(output, subprotocol);
            Write(output, "\r\n"u8);
        }

        Write(output, "\r\n"u8);
    }

    /// <summary>Base64 of a SHA-1 hash: 28 characters.</summary>
    private const int AcceptLength = 28;

    private static void ComputeAccept(ReadOnlySpan<byte> key, Span<byte> accept)
    {
        var length = key.Length + KeyGuidUtf8.Length;
        Span<byte> text = length <= 256 ? stackalloc byte[length] : new byte[length];
        key.CopyTo(text);
        KeyGuidUtf8.CopyTo(text[key.Length..]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 here; it proves the server read the key, it protects nothing.
        SHA1.HashData(text, hash);
#pragma warning restore CA5350
        Base64.EncodeToUtf8(hash, accept, out _, out _);
    }

    /// <summary>
    /// Writes an error response with a short text body; the caller closes the connection after it.
    /// 426 tells the client what to upgrade to (RFC 9110 15.5.22, RFC 6455 4.4).
    /// </summary>
    public static void WriteRejection(IBufferWriter<byte> output, int statusCode, string reason)
    {
        var body = reason + "\n";
        var text = new StringBuilder(256)
            .Append("HTTP/1.1 ").Append(statusCode).Append(' ').Append(ReasonPhrase(statusCode)).Append("\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n")
            .Append("Content-Length: ").Append(Encoding.UTF8.GetByteCount(body)).Append("\r\n")
            .Append("Connection: close\r\n");
        if (statusCode == 426)
        {
            text.Append("Upgrade: websocket\r\n").Append("Sec-WebSocket-Version: ").Append(HandshakeValidator.SupportedVersion).Append("\r\n");
        }

        Write(output, text.Append("\r\n").Append(body).ToString());
    }

    public static string ReasonPhrase(int statusCode) => statusCode switch
    {
        101 => "Switching Protocols",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    };

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    private static void Write(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(Encoding.UTF8.GetByteCount(text));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }
}
