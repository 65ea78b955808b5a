using System.Text;
using MasterSocket.Protocol.Envelopes;

namespace MasterSocket.Tests.Protocol;

/// <summary><see cref="IdentifyRequest"/>: the data of IDENTIFY (PROTOCOL.md 3).</summary>
public class IdentifyRequestTests
{
    private static IdentifyRequest Parse(string json)
    {
        var ok = IdentifyRequest.TryParse(Encoding.UTF8.GetBytes(json), out var request, out var error);
        Assert.That(ok, Is.True, error);
        Assert.That(error, Is.Empty);
        return request;
    }

    private static string Refuse(string json)
    {
        var ok = IdentifyRequest.TryParse(Encoding.UTF8.GetBytes(json), out _, out var error);
        Assert.That(ok, Is.False, "expected a refusal");
        return error;
    }

    [Test]
    public void Token_name_groups_and_role_are_read()
    {
        var request = Parse("""{"token":"s3cret","name":"damon-1","groups":["damon","lobby"],"role":"service"}""");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.Token, Is.EqualTo("s3cret"));
            Assert.That(request.Name, Is.EqualTo("damon-1"));
            Assert.That(request.Groups, Is.EqualTo(new[] { "damon", "lobby" }));
            Assert.That(request.Role, Is.EqualTo("service"));
        }
    }

    [Test]
    public void The_contract_s_example_is_read_from_the_envelope_s_data()
    {
        var message = """{"id": "1", "op": 1, "data": {"token": "<jwt or api key>", "name": "damon-1", "groups": ["damon"]}}"""u8.ToArray();
        Assert.That(EnvelopeReader.TryRead(message, out var envelope, out _), Is.True);

        Assert.That(IdentifyRequest.TryParse(envelope.Data.Of(message), out var request, out var error), Is.True, error);
        Assert.That(request.Token, Is.EqualTo("<jwt or api key>"));
        Assert.That(request.Name, Is.EqualTo("damon-1"));
        Assert.That(request.Groups, Is.EqualTo(new[] { "damon" }));
        Assert.That(request.Role, Is.Null);
    }

    [TestCase("")]
    [TestCase("null")]
    [TestCase("{}")]
    [TestCase("""{"token":null,"name":null,"groups":null,"role":null}""")]
    public void Absent_data_or_fields_give_an_empty_request(string json)
    {
        var request = Parse(json);

        Assert.That(request.Token, Is.Null);
        Assert.That(request.Name, Is.Null);
        Assert.That(request.Role, Is.Null);
        Assert.That(request.Groups, Is.Empty);
    }

    [TestCase("[]")]
    [TestCase("\"token\"")]
    [TestCase("42")]
    [TestCase("true")]
    public void Data_that_is_not_an_object_is_refused(string json)
    {
        Assert.That(Refuse(json), Does.Contain("must be an object"));
    }

    [TestCase("""{"token":42}""", "token")]
    [TestCase("""{"token":{"key":"k"}}""", "token")]
    [TestCase("""{"name":true}""", "name")]
    [TestCase("""{"name":["a"]}""", "name")]
    [TestCase("""{"role":1}""", "role")]
    [TestCase("""{"role":{}}""", "role")]
    [TestCase("""{"groups":"damon"}""", "groups")]
    [TestCase("""{"groups":{"damon":true}}""", "groups")]
    [TestCase("""{"groups":[1]}""", "groups")]
    [TestCase("""{"groups":["a",null]}""", "groups")]
    [TestCase("""{"groups":[["a"]]}""", "groups")]
    public void A_field_of_the_wrong_type_is_refused_with_a_message_naming_it(string json, string field)
    {
        Assert.That(Refuse(json), Does.Contain(field));
    }

    [Test]
    public void Duplicate_groups_are_collapsed_in_first_seen_order()
    {
        var request = Parse("""{"groups":["b","a","b","c","a","\u0062"]}""");

        Assert.That(request.Groups, Is.EqualTo(new[] { "b", "a", "c" }));
    }

    [Test]
    public void Group_names_are_compared_exactly()
    {
        Assert.That(Parse("""{"groups":["Damon","damon"]}""").Groups, Is.EqualTo(new[] { "Damon", "damon" }));
    }

    [Test]
    public void Escapes_are_resolved()
    {
        var request = Parse("""{"name":"da\u006don \ud83d\ude00","token":"a\"b","groups":["caf\u00e9"]}""");

        Assert.That(request.Name, Is.EqualTo("damon 😀"));
        Assert.That(request.Token, Is.EqualTo("a\"b"));
        Assert.That(request.Groups, Is.EqualTo(new[] { "café" }));
    }

    [Test]
    public void Unknown_fields_are_ignored()
    {
        var request = Parse("""{"version":2,"name":"n","extra":{"groups":["not these"]},"list":[1,{"token":"no"}]}""");

        Assert.That(request.Name, Is.EqualTo("n"));
        Assert.That(request.Token, Is.Null);
        Assert.That(request.Groups, Is.Empty);
    }

    [Test]
    public void A_name_of_256_bytes_is_accepted_and_257_refused()
    {
        Assert.That(Parse($$"""{"name":"{{new string('n', 256)}}"}""").Name, Has.Length.EqualTo(256));
        Assert.That(Refuse($$"""{"name":"{{new string('n', 257)}}"}"""), Does.Contain("name"));
        Assert.That(Refuse($$"""{"name":"{{string.Concat(Enumerable.Repeat("é", 129))}}"}"""), Does.Contain("name"), "bytes, not characters");
    }

    [Test]
    public void A_role_longer_than_64_bytes_is_refused()
    {
        Assert.That(Parse($$"""{"role":"{{new string('r', 64)}}"}""").Role, Has.Length.EqualTo(64));
        Assert.That(Refuse($$"""{"role":"{{new string('r', 65)}}"}"""), Does.Contain("role"));
    }

    [Test]
    public void A_group_name_must_be_1_to_256_bytes()
    {
        Assert.That(Parse($$"""{"groups":["{{new string('g', 256)}}"]}""").Groups, Has.Count.EqualTo(1));
        Assert.That(Refuse("""{"groups":[""]}"""), Does.Contain("group"));
        Assert.That(Refuse($$"""{"groups":["{{new string('g', 257)}}"]}"""), Does.Contain("group"));
    }

    [Test]
    public void At_most_100_distinct_groups_may_be_joined()
    {
        var hundred = string.Join(",", Enumerable.Range(0, 100).Select(i => $"\"g{i}\""));
        Assert.That(Parse($$"""{"groups":[{{hundred}},"g0","g99"]}""").Groups, Has.Count.EqualTo(100), "duplicates do not count");

        Assert.That(Refuse($$"""{"groups":[{{hundred}},"g100"]}"""), Does.Contain("100"));
    }

    [Test]
    public void Known_roles_come_back_as_one_shared_string_and_others_as_sent()
    {
        var client = Parse("""{"role":"client"}""").Role;
        var service = Parse("""{"role":"service"}""").Role;
        Assert.That(Parse("""{"name":"other","role":"client"}""").Role, Is.SameAs(client).And.EqualTo("client"));
        Assert.That(Parse("""{"role":"service","name":"other"}""").Role, Is.SameAs(service).And.EqualTo("service"));
        Assert.That(Parse("""{"role":"\u0063lient"}""").Role, Is.EqualTo("client"), "an escaped role is decoded");
        Assert.That(Parse("""{"role":"Client"}""").Role, Is.EqualTo("Client"), "anything else is kept as sent");
    }

    [TestCase("""{"name":"n"}""")]
    [TestCase("""{"groups":[]}""")]
    [TestCase("""{"groups":null}""")]
    public void No_group_gives_an_empty_list(string json)
    {
        Assert.That(Parse(json).Groups, Is.Empty);
    }

    [TestCase("""{"name":"\ud800"}""", "name")]
    [TestCase("""{"token":"abc\udc00"}""", "token")]
    [TestCase("""{"role":"\ud83d\u0041"}""", "role")]
    [TestCase("""{"groups":["ok","\udfff"]}""", "group")]
    [TestCase("""{"\ud800":"x"}""", "IDENTIFY data")]
    [TestCase("""{"name":"n","gr\udc00oups":[]}""", "IDENTIFY data")]
    public void A_string_escaping_a_lone_surrogate_is_refused_with_a_message_naming_the_field(string json, string field)
    {
        Assert.That(Refuse(json), Does.Contain(field));
    }
}
