"""The text a lead gets after a campaign call that reached nobody.

Only to leads who agreed to be texted (``sms_opt_in``), in campaigns that want it, never
to a number that opted out; once per lead (dedupe key), whatever the number of missed
calls. The reply lands on the SMS door like any text, and the same agent answers it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from frontdesk.services.notices.outbox import Draft, write
from frontdesk.services.phone_numbers import sending_number
from frontdesk.store.models import Campaign, CampaignLead, Customer, MeetingRequest, Tenant

PURPOSE = "campaign_follow_up"

_TEXTS = {
    "en": "Hi{name}, this is {business}'s automated assistant. We tried to call you about "
          "{topic}. Reply with a time that suits you and we'll book it. Reply STOP to opt out.",
    "es": "Hola{name}, le escribe el asistente automático de {business}. Intentamos "
          "llamarle por {topic}. Responda con un horario que le venga bien y se lo "
          "reservamos. Responda STOP para no recibir más mensajes.",
}


def follow_up_text(lang: str, business: str, topic: str, name: str | None) -> str:
    template = _TEXTS.get(lang, _TEXTS["en"])
    return template.format(business=business, topic=topic,
                           name=f" {name.split()[0]}" if name else "")


def text_after_missed_call(session: Session, campaign: Campaign, lead: CampaignLead,
                           customer: Customer) -> bool:
    """Queue the follow-up text, if this lead may get one (in the caller's transaction)."""
    if not (campaign.sms_follow_up and lead.sms_opt_in) or customer.do_not_call:
        return False
    tenant = session.get_one(Tenant, lead.tenant_id)
    request = session.get_one(MeetingRequest, campaign.meeting_request_id)
    lang = lead.language or customer.language or tenant.languages[0]
    body = follow_up_text(lang, tenant.name, request.title, customer.name)
    write(session, [Draft(
        tenant_id=tenant.id, channel="sms", purpose=PURPOSE, recipient=lead.phone_e164,
        payload={"body": body, "from": sending_number(session, tenant)},
        dedupe_key=f"campaign-sms:{lead.id}", customer_id=customer.id)])
    return True
