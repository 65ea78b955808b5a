using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text.Json;
using System.Text.Unicode;

namespace MasterSocket.Protocol.Envelopes;

public static partial class EnvelopeReader
{
    /// <summary>Deepest nesting the fast scan follows; deeper input goes to the full reader.</summary>
    private const int FastScanMaxDepth = 48;

    /// <summary>Longest plain integer <c>op</c> the fast scan reads itself (fits a long).</summary>
    private const int FastScanMaxOpDigits = 18;

    /// <summary>
    /// The fast path of <see cref="TryRead(ReadOnlySpan{byte}, out Envelope, out EnvelopeError)"/>: one pass over the bytes that checks the JSON grammar
    /// (RFC 8259) and fills <paramref name="fields"/> exactly as <see cref="ReadFields"/> would, for
    /// the envelopes clients actually send. It answers only when it is sure: true means the message
    /// is valid JSON and <paramref name="fields"/> holds what the full reader would have found;
    /// false means "not sure" (anything malformed, or rare: an escaped property name, a bad
    /// <c>op</c>, an over-long id, deep nesting, invalid UTF-8) and the full
    /// <see cref="Utf8JsonReader"/> pass runs instead, with its exact errors. So the fast path can
    /// change speed, never an answer; <c>EnvelopeFastScanTests</c> checks the two agree.
    /// <para>
    /// Why: the envelope read was a quarter of the broker's CPU per DIRECT message, most of it
    /// Utf8JsonReader's general machinery (token state, depth bit stack, per-token dispatch) that an
    /// envelope of five known fields does not need (docs/benchmarks.md).
    /// </para>
    /// </summary>
    private static bool TryFastScan(ReadOnlySpan<byte> message, ref Fields fields, bool utf8Checked)
    {
        // Strings may hold any UTF-8: checked once for the whole message (an ASCII run is checked
        // 32 or 64 bytes at a time), unless the caller already has (a WebSocket text message).
        return FastScanner.EnvelopeObject(message, ref fields) == message.Length && (utf8Checked || Utf8.IsValid(message));
    }

    /// <summary>True when the fast scan reads <paramref name="message"/> itself (for tests and benchmarks).</summary>
    internal static bool IsFastScanned(ReadOnlySpan<byte> message)
    {
        var fields = default(Fields);
        return TryFastScan(message, ref fields, utf8Checked: false);
    }

    // What ends a run of plain string bytes: a control character, a quote or a backslash.
    private static Vector128<byte> ControlLimit => Vector128.Create((byte)0x20);
    private static Vector128<byte> Quote => Vector128.Create((byte)'"');
    private static Vector128<byte> Backslash => Vector128.Create((byte)'\\');

    /// <summary>The property names the envelope reader looks for (at the top level, and in the intent).</summary>
    private enum Name
    {
        Other,
        Op,
        Id,
        Event,
        Data,
        Intent,
        Target,
        Identifier,
    }

    /// <summary>
    /// The scan, as functions of the message and a cursor: each takes the position it starts at and
    /// returns the position after what it read, or <see cref="NotSure"/> at the first byte it is not
    /// sure of.
    /// <para>
    /// Why a returned position, not a cursor field: with the cursor a field of a struct the methods
    /// shared by reference, the JIT kept it in memory, so every byte looked at reloaded the position,
    /// the span's pointer and its length and stored the position back (a dozen loads and stores per
    /// token, each waiting on the last). A position that is a local and a return value lives in a
    /// register. And the names the reader looks for are matched as whole words
    /// (<see cref="KnownNameThenColon"/>), not scanned as strings and then compared. Measured in one
    /// process, medians of 15 rounds of 2 million reads, on the load tool's DIRECT envelope (291
    /// bytes): 136 ns a read before, 110 with the cursor a local, 70–80 with the names as words
    /// (docs/benchmarks.md).
    /// </para>
    /// <para>
    /// The per-token methods are inlined into <see cref="Members"/> and <see cref="Container"/>
    /// (the two loops, which stay calls), and cursor checks compare as unsigned: both let the JIT
    /// drop the second bounds check of a byte read. An envelope is about a dozen tokens, and their
    /// cost, not its string bytes, is most of its time (the DIRECT envelope's 200 bytes of
    /// <c>data</c> cost about a tenth of its scan).
    /// </para>
    /// </summary>
    private static class FastScanner
    {
        /// <summary>What every method returns instead of a position when it is not sure.</summary>
        private const int NotSure = -1;

        /// <summary>The whole message: one object, then only whitespace. Returns where the whitespace ends.</summary>
        public static int EnvelopeObject(ReadOnlySpan<byte> m, ref Fields fields)
        {
            var pos = SkipWhitespace(m, 0);
            if (Peek(m, pos) != (byte)'{')
            {
                return NotSure;
            }

            pos = Members(m, pos + 1, ref fields, intent: false);
            return pos < 0 ? NotSure : SkipWhitespace(m, pos);
        }

        /// <summary>The members of an object whose '{' ends just before <paramref name="pos"/>, up to and including its '}'.</summary>
        private static int Members(ReadOnlySpan<byte> m, int pos, ref Fields fields, bool intent)
        {
            pos = SkipWhitespace(m, pos);
            if (Peek(m, pos) == (byte)'}')
            {
                return pos + 1;
            }

            while (true)
            {
                var afterColon = KnownNameThenColon(m, pos, out var name);
                if (afterColon < 0)
                {
                    // Not one of the names as clients write them: any name without escapes (the full
                    // reader compares names after resolving escapes, "\u006fp" is op, so an escaped
                    // name is left to it).
                    var nameStart = pos + 1;
                    if (Peek(m, pos) != (byte)'"')
                    {
                        return NotSure;
                    }

                    pos = String(m, pos, out var escaped);
                    if (pos < 0 || escaped)
                    {
                        return NotSure;
                    }

                    name = Known(m[nameStart..(pos - 1)]);
                    pos = SkipWhitespace(m, pos);
                    if (Peek(m, pos) != (byte)':')
                    {
                        return NotSure;
                    }

                    afterColon = pos + 1;
                }

                pos = SkipWhitespace(m, afterColon);
                pos = intent ? IntentMember(m, pos, name, ref fields) : EnvelopeMember(m, pos, name, ref fields);
                if (pos < 0)
                {
                    return NotSure;
                }

                pos = SkipWhitespace(m, pos);
                switch (Peek(m, pos))
                {
                    case (byte)',':
                        pos = SkipWhitespace(m, pos + 1);
                        continue;
                    case (byte)'}':
                        return pos + 1;
                    default:
                        return NotSure;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int EnvelopeMember(ReadOnlySpan<byte> m, int pos, Name name, ref Fields fields)
        {
            if (name == Name.Op)
            {
                fields.HasOp = true;
                return Op(m, pos, out fields.Op);
            }

            if (name == Name.Intent)
            {
                fields.HasIntent = true;
                if (Peek(m, pos) != (byte)'{')
                {
                    return Value(m, pos, out fields.IntentType, out _, out _, depth: 1);
                }

                fields.IntentType = JsonTokenType.StartObject;
                return Members(m, pos + 1, ref fields, intent: true);
            }

            var end = Value(m, pos, out var type, out var range, out _, depth: 1);
            if (end < 0)
            {
                return NotSure;
            }

            if (name == Name.Id)
            {
                switch (type)
                {
                    case JsonTokenType.String when range.Length - 2 <= MaxIdBytes:
                    case JsonTokenType.Number:
                        fields.Id = range;
                        return end;
                    case JsonTokenType.Null:
                        fields.Id = default;
                        return end;
                    default:
                        return NotSure; // refused: the full reader words the error
                }
            }

            if (name == Name.Event)
            {
                fields.EventType = type;
                fields.Event = range;
            }
            else if (name == Name.Data)
            {
                fields.Data = range;
            }

            return end; // any other field is skipped, "from" among them
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int IntentMember(ReadOnlySpan<byte> m, int pos, Name name, ref Fields fields)
        {
            var end = Value(m, pos, out var type, out var range, out var escaped, depth: 2);
            if (end < 0)
            {
                return NotSure;
            }

            if (name == Name.Target)
            {
                fields.TargetType = type;
                fields.TargetValue = range;
            }
            else if (name == Name.Identifier)
            {
                fields.IdentifierType = type;
                fields.IdentifierIsEscaped = escaped;
                fields.Identifier = range;
            }

            return end;
        }

        /// <summary>
        /// One of the names the envelope reader looks for, with its quotes and the colon right after
        /// it, as clients write them (<c>"op":</c>, <c>"identifier":</c>): compared as one or two
        /// 8-byte words rather than scanned as a string, then looked up. Returns the position after
        /// the colon, or <see cref="NotSure"/> when the bytes are anything else (the caller then
        /// reads the name the long way, which finds the same name for these bytes).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int KnownNameThenColon(ReadOnlySpan<byte> m, int pos, out Name name)
        {
            name = Name.Other;
            if (pos > m.Length - (2 * sizeof(ulong)))
            {
                return NotSure; // too near the end for two words: the long way
            }

            var first = BinaryPrimitives.ReadUInt64LittleEndian(m.Slice(pos, sizeof(ulong)));
            var (length, found) = (byte)(first >> 8) switch
            {
                (byte)'o' when (first & FiveBytes) == Words.OpColon => (5, Name.Op),
                (byte)'i' when (first & FiveBytes) == Words.IdColon => (5, Name.Id),
                (byte)'i' when first == Words.IntentQuoted && m[pos + 8] == (byte)':' => (9, Name.Intent),
                (byte)'i' when first == Words.IdentifierHead &&
                    (BinaryPrimitives.ReadUInt64LittleEndian(m.Slice(pos + 8, sizeof(ulong))) & FiveBytes) == Words.IdentifierTail => (13, Name.Identifier),
                (byte)'d' when (first & SevenBytes) == Words.DataColon => (7, Name.Data),
                (byte)'e' when first == Words.EventColon => (8, Name.Event),
                (byte)'t' when first == Words.TargetQuoted && m[pos + 8] == (byte)':' => (9, Name.Target),
                _ => (0, Name.Other),
            };
            name = found;
            return length == 0 ? NotSure : pos + length;
        }

        private const ulong FiveBytes = 0xFF_FFFF_FFFF;
        private const ulong SevenBytes = 0xFF_FFFF_FFFF_FFFF;

        /// <summary>The names' bytes as little-endian words, zero-padded past their end.</summary>
        private static class Words
        {
            public static readonly ulong OpColon = Of("\"op\":"u8);
            public static readonly ulong IdColon = Of("\"id\":"u8);
            public static readonly ulong IntentQuoted = Of("\"intent\""u8);
            public static readonly ulong IdentifierHead = Of("\"identif"u8);
            public static readonly ulong IdentifierTail = Of("ier\":"u8);
            public static readonly ulong DataColon = Of("\"data\":"u8);
            public static readonly ulong EventColon = Of("\"event\":"u8);
            public static readonly ulong TargetQuoted = Of("\"target\""u8);

            private static ulong Of(ReadOnlySpan<byte> text)
            {
                Span<byte> word = stackalloc byte[sizeof(ulong)];
                text.CopyTo(word);
                return BinaryPrimitives.ReadUInt64LittleEndian(word);
            }
        }

        /// <summary>Which of the names the envelope reader looks for this is: one comparison, picked by length.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Name Known(ReadOnlySpan<byte> name) => name.Length switch
        {
            2 when name.SequenceEqual("op"u8) => Name.Op,
            2 when name.SequenceEqual("id"u8) => Name.Id,
            4 when name.SequenceEqual("data"u8) => Name.Data,
            5 when name.SequenceEqual("event"u8) => Name.Event,
            6 when name.SequenceEqual("intent"u8) => Name.Intent,
            6 when name.SequenceEqual("target"u8) => Name.Target,
            10 when name.SequenceEqual("identifier"u8) => Name.Identifier,
            _ => Name.Other,
        };

        /// <summary><c>op</c> as a plain non-negative integer; anything else is the full reader's to refuse or read.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Op(ReadOnlySpan<byte> m, int pos, out long op)
        {
            op = 0;
            var start = pos;
            while ((uint)pos < (uint)m.Length && IsDigit(m[pos]))
            {
                op = (op * 10) + (m[pos] - '0');
                pos++;
            }

            var digits = pos - start;
            if (digits == 0 || digits > FastScanMaxOpDigits || (digits > 1 && m[start] == (byte)'0'))
            {
                return NotSure;
            }

            // A fraction or exponent ("1.0", "1e0") is not a plain integer.
            return Peek(m, pos) is (byte)'.' or (byte)'e' or (byte)'E' ? NotSure : pos;
        }

        /// <summary>Any JSON value at <paramref name="pos"/>: its token type, its raw bytes, and whether a string had escapes.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Value(ReadOnlySpan<byte> m, int pos, out JsonTokenType type, out ByteRange range, out bool escaped, int depth)
        {
            escaped = false;
            int end;
            switch (Peek(m, pos))
            {
                case (byte)'"':
                    type = JsonTokenType.String;
                    end = String(m, pos, out escaped);
                    break;
                case (byte)'{':
                    type = JsonTokenType.StartObject;
                    end = Container(m, pos, depth);
                    break;
                case (byte)'[':
                    type = JsonTokenType.StartArray;
                    end = Container(m, pos, depth);
                    break;
                case (byte)'t':
                    type = JsonTokenType.True;
                    end = Literal(m, pos, "true"u8);
                    break;
                case (byte)'f':
                    type = JsonTokenType.False;
                    end = Literal(m, pos, "false"u8);
                    break;
                case (byte)'n':
                    type = JsonTokenType.Null;
                    end = Literal(m, pos, "null"u8);
                    break;
                default:
                    type = JsonTokenType.Number;
                    end = Number(m, pos);
                    break;
            }

            range = end < 0 ? default : new ByteRange(pos, end - pos);
            return end;
        }

        /// <summary>
        /// An object or array at <paramref name="pos"/> and everything inside it, without recursion:
        /// a bit per level says whether that level is an object (which alternates names and values)
        /// or an array.
        /// </summary>
        private static int Container(ReadOnlySpan<byte> m, int pos, int depth)
        {
            ulong objects = 0; // bit i set: level i is an object
            var level = -1;
            while (true)
            {
                // At a value (or the first member of a container just opened).
                pos = SkipWhitespace(m, pos);
                var b = Peek(m, pos);
                if (b is (byte)'{' or (byte)'[')
                {
                    level++;
                    if (level + depth >= FastScanMaxDepth)
                    {
                        return NotSure;
                    }

                    var isObject = b == (byte)'{';
                    objects = isObject ? objects | (1UL << level) : objects & ~(1UL << level);
                    pos = SkipWhitespace(m, pos + 1);
                    if (Peek(m, pos) == (isObject ? (byte)'}' : (byte)']'))
                    {
                        pos++; // empty: closes at once
                        level--;
                        if (level < 0)
                        {
                            return pos;
                        }
                    }
                    else
                    {
                        pos = isObject ? NameThenColon(m, pos) : pos;
                        if (pos < 0)
                        {
                            return NotSure;
                        }

                        continue;
                    }
                }
                else
                {
                    pos = ScalarValue(m, pos);
                    if (pos < 0)
                    {
                        return NotSure;
                    }
                }

                // After a value: a comma continues this level, a closing bracket ends it.
                while (true)
                {
                    pos = SkipWhitespace(m, pos);
                    var isObject = (objects & (1UL << level)) != 0;
                    var next = Peek(m, pos);
                    if (next == (byte)',')
                    {
                        pos = SkipWhitespace(m, pos + 1);
                        pos = isObject ? NameThenColon(m, pos) : pos;
                        if (pos < 0)
                        {
                            return NotSure;
                        }

                        break;
                    }

                    if (next != (isObject ? (byte)'}' : (byte)']'))
                    {
                        return NotSure;
                    }

                    pos++;
                    level--;
                    if (level < 0)
                    {
                        return pos;
                    }
                }
            }
        }

        /// <summary>Inside an object, a member starts with its name and a colon; returns the position after the colon.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int NameThenColon(ReadOnlySpan<byte> m, int pos)
        {
            if (Peek(m, pos) != (byte)'"')
            {
                return NotSure;
            }

            pos = String(m, pos, out _);
            if (pos < 0)
            {
                return NotSure;
            }

            pos = SkipWhitespace(m, pos);
            return Peek(m, pos) == (byte)':' ? pos + 1 : NotSure;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int ScalarValue(ReadOnlySpan<byte> m, int pos) => Peek(m, pos) switch
        {
            (byte)'"' => String(m, pos, out _),
            (byte)'t' => Literal(m, pos, "true"u8),
            (byte)'f' => Literal(m, pos, "false"u8),
            (byte)'n' => Literal(m, pos, "null"u8),
            _ => Number(m, pos),
        };

        /// <summary>
        /// A string at <paramref name="pos"/> (its opening quote), through its closing quote. RFC 8259 7:
        /// no raw control characters; escapes are \" \\ \/ \b \f \n \r \t or \u and four hex digits.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int String(ReadOnlySpan<byte> m, int pos, out bool escaped)
        {
            escaped = false;
            pos++;
            while (true)
            {
                // Find the next byte that needs a look; everything else, non-ASCII included, is text.
                // Sixteen bytes at a time while they fit (one load, three compares, one mask: the
                // strings of an envelope are mostly shorter than that, so this is usually one step),
                // then byte by byte.
                while (pos <= m.Length - Vector128<byte>.Count)
                {
                    var chunk = Vector128.Create(m.Slice(pos, Vector128<byte>.Count));
                    var specials = Vector128.LessThan(chunk, ControlLimit)
                        | Vector128.Equals(chunk, Quote)
                        | Vector128.Equals(chunk, Backslash);
                    if (specials != Vector128<byte>.Zero)
                    {
                        pos += BitOperations.TrailingZeroCount(specials.ExtractMostSignificantBits());
                        goto Special;
                    }

                    pos += Vector128<byte>.Count;
                }

                while ((uint)pos < (uint)m.Length && !IsStringSpecial(m[pos]))
                {
                    pos++;
                }

                if ((uint)pos >= (uint)m.Length)
                {
                    return NotSure; // unterminated
                }

            Special:
                switch (m[pos])
                {
                    case (byte)'"':
                        return pos + 1;
                    case (byte)'\\':
                        escaped = true;
                        pos = Escape(m, pos);
                        if (pos < 0)
                        {
                            return NotSure;
                        }

                        break;
                    default:
                        return NotSure; // a raw control character
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool IsStringSpecial(byte b) => b < 0x20 || b == (byte)'"' || b == (byte)'\\';

        /// <summary>An escape whose backslash is at <paramref name="pos"/>; returns the position after it.</summary>
        private static int Escape(ReadOnlySpan<byte> m, int pos)
        {
            pos++; // the backslash
            switch (Peek(m, pos))
            {
                case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                    return pos + 1;
                case (byte)'u':
                    if (pos + 5 > m.Length)
                    {
                        return NotSure;
                    }

                    for (var k = 1; k <= 4; k++)
                    {
                        if (!char.IsAsciiHexDigit((char)m[pos + k]))
                        {
                            return NotSure;
                        }
                    }

                    return pos + 5;
                default:
                    return NotSure;
            }
        }

        /// <summary>RFC 8259 6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Number(ReadOnlySpan<byte> m, int pos)
        {
            if (Peek(m, pos) == (byte)'-')
            {
                pos++;
            }

            pos = Peek(m, pos) == (byte)'0' ? pos + 1 : Digits(m, pos);
            if (pos >= 0 && Peek(m, pos) == (byte)'.')
            {
                pos = Digits(m, pos + 1);
            }

            if (pos >= 0 && Peek(m, pos) is (byte)'e' or (byte)'E')
            {
                pos++;
                if (Peek(m, pos) is (byte)'+' or (byte)'-')
                {
                    pos++;
                }

                pos = Digits(m, pos);
            }

            // What follows must end the number: the caller checks for a delimiter, and any
            // letter or digit left here is not one.
            return pos;
        }

        /// <summary>One or more digits at <paramref name="pos"/>.</summary>
        private static int Digits(ReadOnlySpan<byte> m, int pos)
        {
            var start = pos;
            while ((uint)pos < (uint)m.Length && IsDigit(m[pos]))
            {
                pos++;
            }

            return pos > start ? pos : NotSure;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int Literal(ReadOnlySpan<byte> m, int pos, ReadOnlySpan<byte> literal) =>
            m[pos..].StartsWith(literal) ? pos + literal.Length : NotSure;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static byte Peek(ReadOnlySpan<byte> m, int pos) => (uint)pos < (uint)m.Length ? m[pos] : (byte)0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int SkipWhitespace(ReadOnlySpan<byte> m, int pos) =>
            // Most calls find none: one comparison, inlined, for the usual case.
            (uint)pos < (uint)m.Length && m[pos] > (byte)' ' ? pos : SkipWhitespaceRun(m, pos);

        private static int SkipWhitespaceRun(ReadOnlySpan<byte> m, int pos)
        {
            while ((uint)pos < (uint)m.Length && m[pos] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            {
                pos++;
            }

            return pos;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;
    }
}
