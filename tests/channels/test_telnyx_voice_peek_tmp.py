from tests.channels.test_telnyx_voice import line, business  # noqa
import tests.channels.test_telnyx_voice as t
def test_peek(line, business, factory):
    t.test_a_full_call_books_an_appointment(line, business, factory)
    for c in line.commands: print(c["action"], c["body"].get("payload"), c["body"].get("to"))
def test_peek2(line, business):
    t.test_asking_for_a_person_transfers_to_the_fallback_number(line, business)
    for c in line.commands: print(c["action"], c["body"].get("payload"), c["body"].get("to"))
