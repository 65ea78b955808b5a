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

    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

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

        request = Parse(Encoding.Latin1.GetString(head));
        if (request is null)
        {
            return HandshakeParseStatus.Malformed;
        }

        buffer = buffer.Slice(reader.Position);
        return HandshakeParseStatus.Parsed;
    }

    private static HandshakeRequest? Parse(string head)
    {
        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || !IsToken(requestLine[0]) || requestLine[1].Length == 0 ||
            !TryParseVersion(requestLine[2], out var major, out var minor))
        {
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);

            // RFC 9112 5.1: no whitespace between name and colon; 5.2: obs-fold is rejected.
            if (colon <= 0 || !IsToken(line[..colon]))
            {
                return null;
            }

            var name = line[..colon].ToLowerInvariant();
            var value = line[(colon + 1)..].Trim(' ', '\t');
            if (value.Any(c => c < 0x20 && c != '\t' || c == 0x7F))
            {
                return null;
            }

            headers[name] = headers.TryGetValue(name, out var earlier) ? $"{earlier}, {value}" : value;
        }

        var target = requestLine[1];
        var query = target.IndexOf('?', StringComparison.Ordinal);
        return new HandshakeRequest
        {
            Method = requestLine[0],
            Target = target,
            Path = PathOf(query < 0 ? target : target[..query]),
            HttpMajor = major,
            HttpMinor = minor,
            Headers = headers,
        };
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

    private static bool TryParseVersion(string text, out int major, out int minor)
    {
        major = minor = 0;
        return text.Length == 8 && text.StartsWith("HTTP/", StringComparison.Ordinal) && text[6] == '.' &&
               char.IsAsciiDigit(text[5]) && char.IsAsciiDigit(text[7]) &&
               (major = text[5] - '0') >= 0 && (minor = text[7] - '0') >= 0;
    }

    /// <summary>RFC 9110 5.6.2: token = 1*tchar.</summary>
    private static bool IsToken(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));
}
