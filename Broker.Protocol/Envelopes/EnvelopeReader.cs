using System.Buffers;
using System.Text.Json;

namespace MasterSocket.Protocol.Envelopes;

/// <summary>
/// Reads an envelope from one WebSocket message (PROTOCOL.md 2):
/// <code>
/// { "id": string|number, "op": 0..5, "event": string, "data": any, "intent": { "target": "GLOBAL"|"GROUP"|"DIRECT", "identifier": string|null } }
/// </code>
/// with Utf8JsonReader, straight from the message bytes. Only <c>op</c> and the intent are decoded;
/// <c>id</c>, <c>event</c>, <c>data</c> and the identifier are kept as byte ranges to forward as they
/// are. Unknown fields are skipped, and so is a client's <c>from</c>: the broker stamps its own. A
/// well-formed envelope allocates nothing; a refusal carries the code and a precise message.
/// </summary>
public static partial class EnvelopeReader
{
    public const int MaxIdBytes = 128;
    public const int MaxEventBytes = 256;

    /// <summary>Deepest nesting accepted inside <c>data</c>; deeper input is refused, not recursed into.</summary>
    public const int MaxDepth = 64;

    private static readonly JsonReaderOptions Options = new() { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow };

    public static bool TryRead(ReadOnlySpan<byte> message, out Envelope envelope, out EnvelopeError error) =>
        TryRead(message, out envelope, out error, fastScan: true, utf8Checked: false);

    /// <summary>
    /// <see cref="TryRead(ReadOnlySpan{byte}, out Envelope, out EnvelopeError)"/> for a WebSocket text
    /// message, whose UTF-8 the frame reader has already checked (RFC 6455 8.1): the fast scan does
    /// not check it a second time. Same answers for any valid UTF-8.
    /// </summary>
    public static bool TryReadText(ReadOnlySpan<byte> message, out Envelope envelope, out EnvelopeError error) =>
        TryRead(message, out envelope, out error, fastScan: true, utf8Checked: true);

    /// <summary>With <paramref name="fastScan"/> false, only the full Utf8JsonReader pass: what the fast scan must agree with.</summary>
    internal static bool TryRead(ReadOnlySpan<byte> message, out Envelope envelope, out EnvelopeError error, bool fastScan, bool utf8Checked = false)
    {
        envelope = default;
        var fields = default(Fields);
        if (fastScan && TryFastScan(message, ref fields, utf8Checked))
        {
            return Validate(message, fields, out envelope, out error);
        }

        fields = default;
        try
        {
            if (!ReadFields(message, ref fields, out error))
            {
                return false;
            }
        }
        catch (JsonException ex)
        {
            // "null if it had none or could not be parsed": a broken document has no trustworthy id.
            error = new EnvelopeError(ErrorCode.BadRequest, $"malformed JSON at byte {ex.BytePositionInLine}: {Describe(ex)}", default);
            return false;
        }
        catch (InvalidOperationException)
        {
            // ValueTextEquals resolves a property name's escapes and throws on a lone surrogate ("\ud800").
            error = new EnvelopeError(ErrorCode.BadRequest, "malformed JSON: a property name escapes a lone UTF-16 surrogate", default);
            return false;
        }

        return Validate(message, fields, out envelope, out error);
    }

    /// <summary>What the first pass found, before the rules that depend on <c>op</c> are applied.</summary>
    private struct Fields
    {
        public bool HasOp;
        public long Op;
        public EnvelopeError? OpError;
        public ByteRange Id;
        public ByteRange Event;
        public JsonTokenType EventType;
        public ByteRange Data;
        public bool HasIntent;
        public JsonTokenType IntentType;
        public ByteRange TargetValue;
        public JsonTokenType TargetType;
        public ByteRange Identifier;
        public JsonTokenType IdentifierType;
        public bool IdentifierIsEscaped;
    }

    private static bool ReadFields(ReadOnlySpan<byte> message, ref Fields fields, out EnvelopeError error)
    {
        error = default;
        var reader = new Utf8JsonReader(message, Options);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            error = new EnvelopeError(ErrorCode.BadRequest, "an envelope must be a JSON object", default);
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("op"u8))
            {
                reader.Read();
                // A bad op is reported once the whole object is read, so that an id after it is echoed too.
                if (!TryReadOp(ref reader, out fields.Op, out var opError))
                {
                    fields.OpError = opError;
                }

                fields.HasOp = true;
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                switch (reader.TokenType)
                {
                    case JsonTokenType.String when reader.ValueSpan.Length > MaxIdBytes:
                        error = new EnvelopeError(ErrorCode.BadRequest, "id is longer than 128 bytes", default);
                        SkipRest(ref reader);
                        return false;
                    case JsonTokenType.String or JsonTokenType.Number:
                        fields.Id = TokenRange(ref reader);
                        break;
                    case JsonTokenType.Null:
                        fields.Id = default;
                        break;
                    default:
                        reader.Skip();
                        error = new EnvelopeError(ErrorCode.BadRequest, "id must be a string or a number", default);
                        SkipRest(ref reader);
                        return false;
                }
            }
            else if (reader.ValueTextEquals("event"u8))
            {
                reader.Read();
                fields.EventType = reader.TokenType;
                fields.Event = ValueRange(ref reader);
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                fields.Data = ValueRange(ref reader);
            }
            else if (reader.ValueTextEquals("intent"u8))
            {
                reader.Read();
                fields.HasIntent = true;
                fields.IntentType = reader.TokenType;
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadIntent(ref reader, ref fields);
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip(); // unknown fields are ignored, never an error; "from" among them
            }
        }

        SkipRest(ref reader);
        if (fields.OpError is { } badOp)
        {
            error = badOp with { Id = fields.Id };
            return false;
        }

        return true;
    }

    /// <summary>Reads to the end so that trailing garbage after the object is still reported as malformed.</summary>
    private static void SkipRest(ref Utf8JsonReader reader)
    {
        while (reader.Read())
        {
        }
    }

    private static bool TryReadOp(ref Utf8JsonReader reader, out long op, out EnvelopeError error)
    {
        error = default;
        op = -1;
        if (reader.TokenType != JsonTokenType.Number)
        {
            reader.Skip();
            error = new EnvelopeError(ErrorCode.BadRequest, "op must be an integer", default);
            return false;
        }

        if (reader.TryGetInt64(out op))
        {
            return true;
        }

        // A number that is not an Int64: either a fraction/exponent (not an integer) or a huge integer.
        var raw = reader.ValueSpan;
        error = raw.IndexOfAny("."u8 + "eE"u8) >= 0
            ? new EnvelopeError(ErrorCode.BadRequest, "op must be an integer", default)
            : new EnvelopeError(ErrorCode.UnknownOp, "op must be one of 0..5", default);
        return false;
    }

    private static void ReadIntent(ref Utf8JsonReader reader, ref Fields fields)
    {
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.ValueTextEquals("target"u8))
            {
                reader.Read();
                fields.TargetType = reader.TokenType;
                fields.TargetValue = ValueRange(ref reader);
            }
            else if (reader.ValueTextEquals("identifier"u8))
            {
                reader.Read();
                fields.IdentifierType = reader.TokenType;
                fields.IdentifierIsEscaped = reader.TokenType == JsonTokenType.String && reader.ValueIsEscaped;
                fields.Identifier = ValueRange(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>The raw bytes of the current value, skipping over it when it is an object or array.</summary>
    private static ByteRange ValueRange(ref Utf8JsonReader reader)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return new ByteRange(start, (int)reader.BytesConsumed - start);
    }

    private static ByteRange TokenRange(ref Utf8JsonReader reader)
    {
        var start = (int)reader.TokenStartIndex;
        return new ByteRange(start, (int)reader.BytesConsumed - start);
    }

    private static bool Validate(ReadOnlySpan<byte> message, in Fields fields, out Envelope envelope, out EnvelopeError error)
    {
        envelope = default;
        error = default;
        if (!fields.HasOp)
        {
            error = new EnvelopeError(ErrorCode.BadRequest, "op is required", fields.Id);
            return false;
        }

        if (fields.Op is < 0 or > 5)
        {
            error = new EnvelopeError(ErrorCode.UnknownOp, "op must be one of 0..5", fields.Id);
            return false;
        }

        var op = (OpCode)fields.Op;
        if (op is not (OpCode.Event or OpCode.Reply))
        {
            // event and intent are ignored for the ops the broker does not route.
            envelope = new Envelope { Op = op, Id = fields.Id, Data = fields.Data };
            return true;
        }

        if (fields.Event.IsEmpty ? op == OpCode.Event : !IsValidEvent(message, fields))
        {
            error = new EnvelopeError(ErrorCode.BadRequest,
                fields.Event.IsEmpty ? "event is required for EVENT" : "event must be a string of 1 to 256 bytes", fields.Id);
            return false;
        }

        if (!TryReadIntent(message, fields, out var target, out var intentError))
        {
            error = new EnvelopeError(ErrorCode.BadRequest, intentError, fields.Id);
            return false;
        }

        envelope = new Envelope
        {
            Op = op,
            Id = fields.Id,
            Event = fields.Event,
            Data = fields.Data,
            Target = target,
            Identifier = target == Target.Global ? default : fields.Identifier,
            IdentifierIsEscaped = fields.IdentifierIsEscaped,
        };
        return true;
    }

    private static bool IsValidEvent(ReadOnlySpan<byte> message, in Fields fields)
    {
        if (fields.EventType != JsonTokenType.String)
        {
            return false;
        }

        var raw = fields.Event.Of(message);
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return raw.Length - 2 is >= 1 and <= MaxEventBytes; // no escapes: the bytes between the quotes are the value
        }

        var reader = new Utf8JsonReader(fields.Event.Of(message));
        reader.Read();
        var length = reader.ValueIsEscaped ? UnescapedLength(ref reader) : reader.ValueSpan.Length;
        return length is >= 1 and <= MaxEventBytes;
    }

    private static int UnescapedLength(ref Utf8JsonReader reader)
    {
        // An escaped value never grows when unescaped, so the raw length bounds the buffer.
        if (reader.ValueSpan.Length > MaxEventBytes * 6)
        {
            return int.MaxValue;
        }

        Span<byte> buffer = stackalloc byte[reader.ValueSpan.Length];
        try
        {
            return reader.CopyString(buffer);
        }
        catch (InvalidOperationException)
        {
            return int.MaxValue; // an escaped lone surrogate has no UTF-8 value: not a valid string
        }
    }

    /// <summary>
    /// True when a string token's escapes resolve to text: Utf8JsonReader accepts an escaped lone
    /// surrogate such as "\ud800" while reading, and only throws when the value is copied out.
    /// </summary>
    private static bool Unescapes(ReadOnlySpan<byte> token)
    {
        var reader = new Utf8JsonReader(token);
        reader.Read();
        var buffer = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
        try
        {
            reader.CopyString(buffer);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool TryReadIntent(ReadOnlySpan<byte> message, in Fields fields, out Target target, out string error)
    {
        target = Target.Global;
        error = "";

        // "Missing intent on an EVENT means GLOBAL"; REPLY is routed exactly like EVENT.
        if (!fields.HasIntent || fields.IntentType == JsonTokenType.Null)
        {
            return true;
        }

        if (fields.IntentType != JsonTokenType.StartObject)
        {
            error = "intent must be an object";
            return false;
        }

        var value = fields.TargetValue.Of(message);
        if (fields.TargetType != JsonTokenType.String)
        {
            error = fields.TargetValue.IsEmpty ? "intent.target is required" : "intent.target must be a string";
            return false;
        }

        if (value.SequenceEqual("\"GLOBAL\""u8))
        {
            target = Target.Global;
        }
        else if (value.SequenceEqual("\"GROUP\""u8))
        {
            target = Target.Group;
        }
        else if (value.SequenceEqual("\"DIRECT\""u8))
        {
            target = Target.Direct;
        }
        else
        {
            error = "intent.target must be GLOBAL, GROUP or DIRECT";
            return false;
        }

        var hasIdentifier = !fields.Identifier.IsEmpty && fields.IdentifierType != JsonTokenType.Null;
        if (target == Target.Global)
        {
            if (hasIdentifier)
            {
                error = "intent.identifier must be absent or null for GLOBAL";
                return false;
            }

            return true;
        }

        // A string of at least one character: the raw token is longer than its two quotes.
        if (fields.IdentifierType != JsonTokenType.String || fields.Identifier.Length <= 2)
        {
            error = target == Target.Group
                ? "intent.identifier must be the group name for GROUP"
                : "intent.identifier must be the client id for DIRECT";
            return false;
        }

        // Checked here so that Envelope.CopyIdentifier never meets an escape it cannot resolve.
        if (fields.IdentifierIsEscaped && !Unescapes(fields.Identifier.Of(message)))
        {
            error = "intent.identifier must be valid text: it escapes a lone UTF-16 surrogate";
            return false;
        }

        return true;
    }

    private static string Describe(JsonException ex)
    {
        // The runtime's message names the offending character and position; keep only its first sentence.
        var message = ex.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
