using System.Buffers;
using System.Text;

namespace MasterSocket.Protocol.Handshake;

/// <summary>What <see cref="HandshakeParser.TryParse"/> found.</summary>
public enum HandshakeParseStatus
{
    /// <summary>The blank line that ends the headers has not arrived yet.</summary>
    NeedMoreData,

    /// <summary>A syntactically valid request; decide on it with <see cref="HandshakeValidator"/>.</summary>
    Parsed,

    /// <summary>Not HTTP/1.x as RFC 9112 defines it: answer 400.</summary>
    Malformed,

    /// <summary>The headers are longer than the bound: answer 431.</summary>
    TooLarge,
}

/// <summary>
/// Reads the HTTP/1.1 request that opens every connection, from a PipeReader's buffer:
/// <code>
/// request-line = method SP request-target SP HTTP-version CRLF
/// field-line   = field-name ":" OWS field-value OWS CRLF
/// head         = request-line *( field-line ) CRLF
/// </code>
/// Bytes after the head belong to the WebSocket and are left in the buffer.
/// </summary>
public static class HandshakeParser
{
    /// <summary>Default bound on the whole request head, request line included.</summary>
    public const int DefaultMaxHeaderBytes = 8 * 1024;

    /// <summary>RFC 9110 5.6.2: tchar.</summary>
    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    private static ReadOnlySpan<byte> LineEnd => "\r\n"u8;

    /// <summary>
    /// Parses the request head at the start of <paramref name="buffer"/>. On <see cref="HandshakeParseStatus.Parsed"/>
    /// the buffer is advanced past the blank line; otherwise it is left as it was.
    /// </summary>
    public static HandshakeParseStatus TryParse(ref ReadOnlySequence<byte> buffer, int maxHeaderBytes, out HandshakeRequest? request)
    {
        request = null;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> head, EndOfHead, advancePastDelimiter: true))
        {
            return buffer.Length >= maxHeaderBytes ? HandshakeParseStatus.TooLarge : HandshakeParseStatus.NeedMoreData;
        }

        if (head.Length + EndOfHead.Length > maxHeaderBytes)
        {
            return HandshakeParseStatus.TooLarge;
        }

        request = Parse(head.ToArray());
        if (request is null)
        {
            return HandshakeParseStatus.Malformed;
        }

        buffer = buffer.Slice(reader.Position);
        return HandshakeParseStatus.Parsed;
    }

    /// <summary>
    /// Checks the head's syntax on its bytes (Latin-1: one byte is one char) and keeps them in the
    /// request, which finds headers when asked: an upgrade costs the copy of its head, not a string
    /// per line, name and value.
    /// </summary>
    private static HandshakeRequest? Parse(byte[] head)
    {
        var bytes = head.AsSpan();
        var lineEnd = bytes.IndexOf(LineEnd);
        var requestLine = lineEnd < 0 ? bytes : bytes[..lineEnd];
        var fieldsStart = lineEnd < 0 ? bytes.Length : lineEnd + LineEnd.Length;

        // request-line = method SP request-target SP HTTP-version: exactly two spaces.
        var firstSpace = requestLine.IndexOf((byte)' ');
        var lastSpace = requestLine.LastIndexOf((byte)' ');
        if (firstSpace < 0 || lastSpace == firstSpace || requestLine[(firstSpace + 1)..lastSpace].Contains((byte)' '))
        {
            return null;
        }

        var method = requestLine[..firstSpace];
        var target = requestLine[(firstSpace + 1)..lastSpace];
        if (!IsToken(method) || target.IsEmpty || !TryParseVersion(requestLine[(lastSpace + 1)..], out var major, out var minor))
        {
            return null;
        }

        var fields = bytes[fieldsStart..];
        while (!fields.IsEmpty)
        {
            var end = fields.IndexOf(LineEnd);
            var line = end < 0 ? fields : fields[..end];
            fields = end < 0 ? [] : fields[(end + LineEnd.Length)..];
            var colon = line.IndexOf((byte)':');

            // RFC 9112 5.1: no whitespace between name and colon; 5.2: obs-fold is rejected.
            if (colon <= 0 || !IsToken(line[..colon]))
            {
                return null;
            }

            foreach (var c in line[(colon + 1)..].Trim(" \t"u8))
            {
                if (c < 0x20 && c != '\t' || c == 0x7F)
                {
                    return null;
                }
            }
        }

        // The usual request, "GET /ws", needs no string of its own.
        var targetText = target.SequenceEqual("/ws"u8) ? HandshakeValidator.WebSocketPath : Encoding.Latin1.GetString(target);
        var query = targetText.IndexOf('?', StringComparison.Ordinal);
        return new HandshakeRequest(
            head,
            fieldsStart,
            method.SequenceEqual("GET"u8) ? "GET" : Encoding.Latin1.GetString(method),
            targetText,
            PathOf(query < 0 ? targetText : targetText[..query]),
            major,
            minor);
    }

    /// <summary>The path of an origin-form ("/ws") or absolute-form ("http://host/ws") target.</summary>
    private static string PathOf(string target)
    {
        if (target.StartsWith('/'))
        {
            return target;
        }

        var scheme = target.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return target;
        }

        var slash = target.IndexOf('/', scheme + 3);
        return slash < 0 ? "/" : target[slash..];
    }

    private static bool TryParseVersion(ReadOnlySpan<byte> text, out int major, out int minor)
    {
        major = minor = 0;
        return text.Length == 8 && text.StartsWith("HTTP/"u8) && text[6] == '.' &&
               char.IsAsciiDigit((char)text[5]) && char.IsAsciiDigit((char)text[7]) &&
               (major = text[5] - '0') >= 0 && (minor = text[7] - '0') >= 0;
    }

    /// <summary>RFC 9110 5.6.2: token = 1*tchar.</summary>
    private static bool IsToken(ReadOnlySpan<byte> text) => !text.IsEmpty && !text.ContainsAnyExcept(TokenChars);
}
