using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace MasterSocket.Protocol.Envelopes;

/// <summary>
/// The <c>data</c> of an IDENTIFY (PROTOCOL.md 3):
/// <code>{"token": string, "name": string, "groups": [string], "role": string}</code>
/// all optional at this level; which are required depends on the auth mode. Read once per connection.
/// </summary>
public sealed class IdentifyRequest
{
    public const int MaxGroups = 100;
    public const int MaxGroupNameBytes = 256;
    public const int MaxNameBytes = 256;

    /// <summary>The roles clients send, handed out as these strings rather than a new one per IDENTIFY.</summary>
    private static readonly string[] KnownRoles = ["client", "service"];

    public string? Token { get; init; }
    public string? Name { get; init; }
    public string? Role { get; init; }
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>
    /// Parses IDENTIFY data; <paramref name="data"/> empty means the envelope had none. A document of the
    /// wrong shape is refused with a message naming the field.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out IdentifyRequest request, out string error)
    {
        request = new IdentifyRequest();
        error = "";
        if (data.IsEmpty)
        {
            return true;
        }

        var reader = new Utf8JsonReader(data);
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            error = "IDENTIFY data must be an object";
            return false;
        }

        string? token = null, name = null, role = null;
        List<string>? groups = null; // made for the first group: most clients join none
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // ValueTextEquals resolves a name's escapes and throws on a lone surrogate: refuse such a name first.
            if (reader.ValueIsEscaped && !TryGetString(ref reader, out _))
            {
                error = "IDENTIFY data has a field name that escapes a lone UTF-16 surrogate";
                return false;
            }

            if (reader.ValueTextEquals("token"u8))
            {
                if (!TryReadString(ref reader, "token", int.MaxValue, out token, out error))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                if (!TryReadString(ref reader, "name", MaxNameBytes, out name, out error))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("role"u8))
            {
                if (!TryReadString(ref reader, "role", 64, out role, out error, KnownRoles))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("groups"u8))
            {
                if (!TryReadGroups(ref reader, ref groups, out error))
                {
                    return false;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        request = new IdentifyRequest { Token = token, Name = name, Role = role, Groups = groups ?? (IReadOnlyList<string>)[] };
        return true;
    }

    private static bool TryReadString(ref Utf8JsonReader reader, string field, int maxBytes, out string? value, out string error, string[]? known = null)
    {
        value = null;
        error = "";
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            error = $"IDENTIFY data.{field} must be a string";
            return false;
        }

        // ValueTextEquals throws on an escaped lone surrogate: escaped values take the checked path below.
        foreach (var candidate in reader.ValueIsEscaped ? [] : known ?? [])
        {
            if (reader.ValueTextEquals(candidate))
            {
                value = candidate;
                return true;
            }
        }

        if (!TryGetString(ref reader, out value))
        {
            error = $"IDENTIFY data.{field} must be valid text: it escapes a lone UTF-16 surrogate";
            return false;
        }

        if (Encoding.UTF8.GetByteCount(value) > maxBytes)
        {
            error = $"IDENTIFY data.{field} is longer than {maxBytes} bytes";
            return false;
        }

        return true;
    }

    private static bool TryReadGroups(ref Utf8JsonReader reader, ref List<string>? groups, out string error)
    {
        error = "";
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            error = "IDENTIFY data.groups must be an array of group names";
            return false;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                error = "IDENTIFY data.groups must be an array of group names";
                return false;
            }

            if (!TryGetString(ref reader, out var group))
            {
                error = "IDENTIFY data.groups must be valid text: a group name escapes a lone UTF-16 surrogate";
                return false;
            }

            if (group.Length == 0 || Encoding.UTF8.GetByteCount(group) > MaxGroupNameBytes)
            {
                error = $"a group name must be 1 to {MaxGroupNameBytes} bytes";
                return false;
            }

            groups ??= [];
            if (!groups.Contains(group, StringComparer.Ordinal))
            {
                groups.Add(group);
            }

            if (groups.Count > MaxGroups)
            {
                error = $"IDENTIFY may join at most {MaxGroups} groups";
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// GetString, except that an escaped lone surrogate ("\ud800"), which Utf8JsonReader only rejects
    /// when the value is decoded, is reported as false rather than thrown.
    /// </summary>
    private static bool TryGetString(ref Utf8JsonReader reader, [NotNullWhen(true)] out string? value)
    {
        try
        {
            value = reader.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            value = null;
            return false;
        }
    }
}
