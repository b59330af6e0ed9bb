"""Every word the dashboard shows, in English and Spanish (one table: a missing
translation is a test failure, not a blank)."""

from __future__ import annotations

from starlette.requests import Request

LANGUAGES = ("en", "es")

TEXT: dict[str, dict[str, str]] = {
    "app": {"en": "frontdesk", "es": "frontdesk"},
    "sign_in": {"en": "Sign in", "es": "Iniciar sesión"},
    "sign_out": {"en": "Sign out", "es": "Cerrar sesión"},
    "email": {"en": "Email", "es": "Correo electrónico"},
    "password": {"en": "Password", "es": "Contraseña"},
    "sign_in_to": {"en": "Sign in to your front desk", "es": "Inicie sesión en su recepción"},
    "wrong_credentials": {"en": "That email and password do not match an account.",
                          "es": "Ese correo y esa contraseña no corresponden a ninguna cuenta."},
    "too_many": {"en": "Too many attempts. Try again in a few minutes.",
                 "es": "Demasiados intentos. Vuelva a intentarlo en unos minutos."},
    "expired_form": {"en": "The form expired. Please try again.",
                     "es": "El formulario caducó. Inténtelo de nuevo."},
    "home": {"en": "Overview", "es": "Resumen"},
    "api_docs": {"en": "API", "es": "API"},
    "next_appointments": {"en": "Next 7 days", "es": "Próximos 7 días"},
    "no_appointments": {
        "en": "No appointments in the next 7 days. Callers book through your phone number, "
              "chat or the API; bookings appear here as they are made.",
        "es": "No hay citas en los próximos 7 días. Sus clientes reservan por teléfono, "
              "chat o la API; las citas aparecen aquí en cuanto se hacen."},
    "latest_conversations": {"en": "Latest conversations", "es": "Últimas conversaciones"},
    "no_conversations": {
        "en": "No conversations yet. Try one: run `frontdesk call` in a terminal, or chat "
              "through the API.",
        "es": "Aún no hay conversaciones. Pruebe una: ejecute `frontdesk call` en una "
              "terminal, o converse por la API."},
    "campaigns": {"en": "Campaigns", "es": "Campañas"},
    "no_campaigns": {
        "en": "No campaigns yet. Run `frontdesk campaign demo` to watch one call twenty "
              "people, or create one through the API.",
        "es": "Aún no hay campañas. Ejecute `frontdesk campaign demo` para ver una llamar "
              "a veinte personas, o cree una por la API."},
    "when": {"en": "When", "es": "Cuándo"},
    "service": {"en": "Service", "es": "Servicio"},
    "staff": {"en": "Staff", "es": "Personal"},
    "customer": {"en": "Customer", "es": "Cliente"},
    "status": {"en": "Status", "es": "Estado"},
    "channel": {"en": "Channel", "es": "Canal"},
    "language": {"en": "Language", "es": "Idioma"},
    "outcome": {"en": "Outcome", "es": "Resultado"},
    "turns": {"en": "Turns", "es": "Turnos"},
    "name": {"en": "Name", "es": "Nombre"},
    "leads": {"en": "Leads", "es": "Contactos"},
    "remaining": {"en": "Remaining", "es": "Pendientes"},
    "booked": {"en": "Booked", "es": "Reservadas"},
    "unknown_caller": {"en": "Unknown caller", "es": "Desconocido"},
    "signed_in_as": {"en": "Signed in as", "es": "Sesión de"},
    "your_calendar": {"en": "Your calendar", "es": "Su agenda"},
    "main": {"en": "Main", "es": "Principal"},
    "contacted": {"en": "Contacted", "es": "Contactados"},
    "reached": {"en": "Reached", "es": "Localizados"},
    "declined": {"en": "Declined", "es": "Rechazaron"},
    "callbacks": {"en": "Callbacks", "es": "Volver a llamar"},
    "opted_out": {"en": "Opted out", "es": "Bajas"},
    "progress": {"en": "Progress", "es": "Progreso"},
    "pause": {"en": "Pause", "es": "Pausar"},
    "resume": {"en": "Resume", "es": "Reanudar"},
    "customers": {"en": "Customers", "es": "Clientes"},
    "search": {"en": "Search name, phone or email", "es": "Buscar nombre, teléfono o correo"},
    "filter": {"en": "Filter", "es": "Filtrar"},
    "not_contacted_days": {"en": "Not contacted in (days)", "es": "Sin contacto en (días)"},
    "last_outcome": {"en": "Last outcome", "es": "Último resultado"},
    "no_show_days": {"en": "No-show in the last (days)", "es": "No acudió en los últimos (días)"},
    "tag": {"en": "Tag", "es": "Etiqueta"},
    "sort": {"en": "Sort by", "es": "Ordenar por"},
    "sort_created": {"en": "Newest", "es": "Más recientes"},
    "sort_name": {"en": "Name", "es": "Nombre"},
    "sort_last_contact": {"en": "Last contact", "es": "Último contacto"},
    "sort_next_appointment": {"en": "Next appointment", "es": "Próxima cita"},
    "any": {"en": "Any", "es": "Cualquiera"},
    "phone": {"en": "Phone", "es": "Teléfono"},
    "last_contact": {"en": "Last contact", "es": "Último contacto"},
    "next_appointment": {"en": "Next appointment", "es": "Próxima cita"},
    "conversations": {"en": "Conversations", "es": "Conversaciones"},
    "consent": {"en": "Consent", "es": "Consentimiento"},
    "do_not_call": {"en": "Do not call", "es": "No llamar"},
    "yes": {"en": "yes", "es": "sí"},
    "no": {"en": "no", "es": "no"},
    "no_customers": {
        "en": "No customers match. Customers appear as people call, text or chat, or when "
              "you import them.",
        "es": "Ningún cliente coincide. Los clientes aparecen cuando llaman, escriben o "
              "chatean, o cuando los importa."},
    "contact_these": {"en": "Contact these", "es": "Contactar a estos"},
    "contact_these_help": {
        "en": "Creates a draft campaign for the people listed (those who may be called).",
        "es": "Crea una campaña en borrador con las personas de la lista (las que se "
              "pueden llamar)."},
    "campaign_name": {"en": "Campaign name", "es": "Nombre de la campaña"},
    "meeting_request": {"en": "What to book", "es": "Qué reservar"},
    "no_meeting_requests": {
        "en": "To contact people, first create a meeting request (what to book) through "
              "the API: POST /api/v1/meeting-requests.",
        "es": "Para contactar a personas, cree primero una solicitud de cita (qué reservar) "
              "por la API: POST /api/v1/meeting-requests."},
    "history": {"en": "History", "es": "Historial"},
    "no_history": {"en": "Nothing has happened with this customer yet.",
                   "es": "Aún no ha pasado nada con este cliente."},
    "older": {"en": "Older", "es": "Anteriores"},
    "appointment": {"en": "Appointment", "es": "Cita"},
    "message": {"en": "Message", "es": "Mensaje"},
    "campaign_call": {"en": "Campaign call", "es": "Llamada de campaña"},
    "conversation": {"en": "Conversation", "es": "Conversación"},
    "role_user": {"en": "Customer", "es": "Cliente"},
    "role_assistant": {"en": "Assistant", "es": "Asistente"},
    "role_call": {"en": "Call", "es": "Llamada"},
    "notes": {"en": "Notes", "es": "Notas"},
    "day": {"en": "Day", "es": "Día"},
    "duration": {"en": "Duration", "es": "Duración"},
    "voice_to_voice": {"en": "Answer started after", "es": "Respuesta tras"},
    "transferred": {"en": "Transferred", "es": "Transferida"},
    "analysis": {"en": "What it came to", "es": "Cómo terminó"},
    "analysis_success": {"en": "Caller got what they came for",
                         "es": "El cliente obtuvo lo que buscaba"},
    "analysis_failure": {"en": "Caller did not get what they came for",
                         "es": "El cliente no obtuvo lo que buscaba"},
    "analysis_refining": {"en": "(being reworded by the language model)",
                          "es": "(el modelo de lenguaje lo está redactando)"},
    "analysis_by": {"en": "Analysed by", "es": "Analizada por"},
    "analysis_rules": {"en": "rules", "es": "reglas"},
    "analysis_llm": {"en": "language model", "es": "modelo de lenguaje"},
    "intent": {"en": "Came for", "es": "Motivo"},
    "intent_book": {"en": "to book", "es": "reservar"},
    "intent_reschedule": {"en": "to move an appointment", "es": "cambiar una cita"},
    "intent_cancel": {"en": "to cancel", "es": "cancelar"},
    "intent_info": {"en": "information", "es": "información"},
    "intent_human": {"en": "a person", "es": "una persona"},
    "intent_opt_out": {"en": "no more contact", "es": "no ser contactado"},
    "intent_other": {"en": "something else", "es": "otra cosa"},
    "service_asked": {"en": "Service", "es": "Servicio"},
    "asked_for": {"en": "Asked for", "es": "Pidió"},
    "booked_for": {"en": "Booked for", "es": "Reservado para"},
    "transfer_reason": {"en": "Why transferred", "es": "Motivo del traspaso"},
    "why_so": {"en": "Why", "es": "Por qué"},
    "feedback": {"en": "Staff ratings", "es": "Valoraciones del equipo"},
    "feedback_counts": {"en": "{good} good · {bad} bad ({replies} on single replies)",
                        "es": "{good} buenas · {bad} malas ({replies} sobre respuestas)"},
    # Rating from the conversation's page, and finding conversations by result.
    "rate_good": {"en": "Good", "es": "Bien"},
    "rate_bad": {"en": "Bad", "es": "Mal"},
    "rate_conversation": {"en": "Rate this conversation", "es": "Valore esta conversación"},
    "rate_reply": {"en": "Rate this reply", "es": "Valore esta respuesta"},
    "rate_reason": {"en": "Reason (optional)", "es": "Motivo (opcional)"},
    "rate_category": {"en": "Category (optional)", "es": "Categoría (opcional)"},
    "category_none": {"en": "None", "es": "Ninguna"},
    "category_wrong_time": {"en": "Wrong time", "es": "Hora equivocada"},
    "category_wrong_language": {"en": "Wrong language", "es": "Idioma equivocado"},
    "category_rude": {"en": "Rude", "es": "Descortés"},
    "category_not_understood": {"en": "Did not understand", "es": "No entendió"},
    "category_wrong_info": {"en": "Wrong information", "es": "Información equivocada"},
    "category_too_slow": {"en": "Too slow", "es": "Demasiado lento"},
    "category_other": {"en": "Other", "es": "Otro"},
    "rated_good": {"en": "good", "es": "bien"},
    "rated_bad": {"en": "bad", "es": "mal"},
    "whole_conversation": {"en": "the whole conversation", "es": "toda la conversación"},
    "reply_n": {"en": "reply #{n}", "es": "respuesta n.º {n}"},
    "by_api_key": {"en": "API key “{name}”", "es": "clave de API «{name}»"},
    "someone_gone": {"en": "someone no longer here", "es": "alguien que ya no está"},
    "no_ratings": {"en": "No ratings yet.", "es": "Aún no hay valoraciones."},
    "withdraw": {"en": "Withdraw", "es": "Retirar"},
    "done_rated": {"en": "Rating saved.", "es": "Valoración guardada."},
    "done_withdrawn": {"en": "Rating withdrawn.", "es": "Valoración retirada."},
    "result": {"en": "Result", "es": "Resultado del análisis"},
    "result_succeeded": {"en": "Succeeded", "es": "Con éxito"},
    "result_failed": {"en": "Failed", "es": "Sin éxito"},
    "result_not_analysed": {"en": "Not analysed", "es": "Sin analizar"},
    "rated": {"en": "Staff rating", "es": "Valoración del equipo"},
    "rated_filter_good": {"en": "Rated good", "es": "Valorada bien"},
    "rated_filter_bad": {"en": "Rated bad", "es": "Valorada mal"},
    "summary": {"en": "Summary", "es": "Resumen"},
    "live": {"en": "live", "es": "en curso"},
    "appointments": {"en": "Appointments", "es": "Citas"},
    "view": {"en": "View", "es": "Vista"},
    "week": {"en": "Week", "es": "Semana"},
    "one_day": {"en": "Day", "es": "Día"},
    "everyone": {"en": "Everyone", "es": "Todos"},
    "show": {"en": "Show", "es": "Mostrar"},
    "earlier": {"en": "← Earlier", "es": "← Antes"},
    "later": {"en": "Later →", "es": "Después →"},
    "mark": {"en": "Mark", "es": "Marcar"},
    "completed": {"en": "Completed", "es": "Atendida"},
    "no_show": {"en": "No-show", "es": "No acudió"},
    "mark_completed": {"en": "Mark completed:", "es": "Marcar atendida:"},
    "mark_no_show": {"en": "Mark no-show:", "es": "Marcar no acudió:"},
    "confirmed": {"en": "confirmed", "es": "confirmada"},
    "appt_booked": {"en": "booked", "es": "reservada"},
    "appt_cancelled": {"en": "cancelled", "es": "cancelada"},
    "appt_completed": {"en": "completed", "es": "atendida"},
    "appt_no_show": {"en": "no-show", "es": "no acudió"},
    "no_appointments_day": {"en": "No appointments.", "es": "Sin citas."},
    "api_keys": {"en": "API keys", "es": "Claves de API"},
    "key_created": {"en": "Key created", "es": "Clave creada"},
    "key_once": {"en": "Copy it now: it is shown only once.",
                 "es": "Cópiela ahora: solo se muestra una vez."},
    "widget_snippet": {"en": "Paste this into your website's pages to add the chat:",
                       "es": "Pegue esto en las páginas de su web para añadir el chat:"},
    "key_prefix": {"en": "Key", "es": "Clave"},
    "scope": {"en": "Access", "es": "Acceso"},
    "scope_admin": {"en": "Full access", "es": "Acceso completo"},
    "scope_read": {"en": "Read only", "es": "Solo lectura"},
    "scope_widget": {"en": "Chat widget (publishable)", "es": "Chat para la web (pública)"},
    "origins": {"en": "Allowed sites", "es": "Sitios permitidos"},
    "origins_help": {"en": "Allowed sites, for a chat widget key (one per line, e.g. "
                           "https://www.example.com)",
                     "es": "Sitios permitidos, para una clave de chat (uno por línea, p. ej. "
                           "https://www.example.com)"},
    "revoke": {"en": "Revoke", "es": "Revocar"},
    "revoked": {"en": "revoked", "es": "revocada"},
    "active": {"en": "active", "es": "activa"},
    "create_key": {"en": "Create a key", "es": "Crear una clave"},
    "forgot": {"en": "Forgot your password?", "es": "¿Olvidó su contraseña?"},
    "send_link": {"en": "Email me a link", "es": "Enviarme un enlace"},
    "reset_sent": {"en": "If that email has an account, a link to set a new password is on "
                         "its way. It works for one hour.",
                   "es": "Si ese correo tiene una cuenta, le llega un enlace para elegir una "
                         "contraseña nueva. Sirve durante una hora."},
    "new_password": {"en": "New password", "es": "Contraseña nueva"},
    "save_password": {"en": "Save the new password", "es": "Guardar la contraseña nueva"},
    "weak_password": {"en": "A password needs at least 10 characters.",
                      "es": "La contraseña necesita al menos 10 caracteres."},
    "bad_link": {"en": "This link is wrong, expired or already used. Ask for a new one.",
                 "es": "Este enlace es incorrecto, caducó o ya se usó. Pida uno nuevo."},
    "password_changed": {"en": "Your password is changed. Sign in with the new one.",
                         "es": "Su contraseña cambió. Inicie sesión con la nueva."},
    "state_draft": {"en": "draft", "es": "borrador"},
    "state_running": {"en": "running", "es": "en curso"},
    "state_paused": {"en": "paused", "es": "en pausa"},
    "state_cancelled": {"en": "cancelled", "es": "cancelada"},
    "state_completed": {"en": "completed", "es": "terminada"},
    # --- appointment editing ---
    "book_appointment": {"en": "Book an appointment", "es": "Reservar una cita"},
    "book_submit": {"en": "Book", "es": "Reservar"},
    "book_this_day": {"en": "Book one on this day", "es": "Reservar una este día"},
    "change_column": {"en": "Change", "es": "Cambiar"},
    "move_action": {"en": "Move", "es": "Mover"},
    "move_label": {"en": "Move:", "es": "Mover:"},
    "move_appointment": {"en": "Move an appointment", "es": "Mover una cita"},
    "cancel_action": {"en": "Cancel", "es": "Cancelar"},
    "cancel_label": {"en": "Cancel:", "es": "Cancelar:"},
    "cancel_appointment": {"en": "Cancel an appointment", "es": "Cancelar una cita"},
    "cancel_confirm": {
        "en": "Cancel this appointment? The customer is told, as when it is cancelled any "
              "other way, and the time becomes free.",
        "es": "¿Cancelar esta cita? Se avisa al cliente, como cuando se cancela de cualquier "
              "otra forma, y la hora queda libre."},
    "cancel_yes": {"en": "Yes, cancel it", "es": "Sí, cancelarla"},
    "keep_it": {"en": "No, keep it", "es": "No, mantenerla"},
    "cannot_change": {"en": "This appointment can no longer be moved or cancelled: it is not "
                            "booked any more, or it has already started.",
                      "es": "Esta cita ya no se puede mover ni cancelar: ya no está reservada "
                            "o ya empezó."},
    "back_to_calendar": {"en": "Back to the calendar", "es": "Volver a la agenda"},
    "currently": {"en": "Now", "es": "Ahora"},
    "date_field": {"en": "Date", "es": "Fecha"},
    "time_field": {"en": "Time", "es": "Hora"},
    "times_in": {"en": "times in", "es": "horas en"},
    "anyone_free": {"en": "Anyone free", "es": "Cualquiera disponible"},
    "existing_customer": {"en": "Existing customer", "es": "Cliente existente"},
    "new_customer": {"en": "A new customer (name and phone below)",
                     "es": "Un cliente nuevo (nombre y teléfono abajo)"},
    "customer_name": {"en": "Customer's name", "es": "Nombre del cliente"},
    "customer_phone": {"en": "Customer's phone", "es": "Teléfono del cliente"},
    "nothing_to_book": {
        "en": "Nothing to book yet: add a service and the staff who offer it first, through "
              "the API (POST /api/v1/services, then POST /api/v1/resources).",
        "es": "Aún no hay nada que reservar: añada primero un servicio y el personal que lo "
              "ofrece, por la API (POST /api/v1/services y luego POST /api/v1/resources)."},
    "done_booked": {"en": "Booked. The customer is sent a confirmation.",
                    "es": "Reservada. Se envía una confirmación al cliente."},
    "done_moved": {"en": "Moved. The customer is told the new time.",
                   "es": "Movida. Se avisa al cliente de la nueva hora."},
    "done_cancelled": {"en": "Cancelled. The customer is told.",
                       "es": "Cancelada. Se avisa al cliente."},
    "not_booked": {"en": "Not booked", "es": "No se reservó"},
    "not_moved": {"en": "Not moved: the appointment stays where it was",
                  "es": "No se movió: la cita sigue donde estaba"},
    "not_cancelled": {"en": "Not cancelled", "es": "No se canceló"},
    "try_instead": {"en": "Free times nearby (choose one to use it instead):",
                    "es": "Horas libres cercanas (elija una para usarla):"},
    "no_alternatives": {"en": "No free time nearby in the following week.",
                        "es": "No hay horas libres cercanas en la semana siguiente."},
    "refusal_slot_taken": {"en": "That time is already taken.",
                           "es": "Esa hora ya está ocupada."},
    "refusal_outside_hours": {
        "en": "Outside working hours: the staff member is not available at that time.",
        "es": "Fuera del horario: ese miembro del personal no está disponible a esa hora."},
    "refusal_day_full": {"en": "That day is fully booked.",
                         "es": "Ese día está completo."},
    "refusal_too_soon": {"en": "That time is too soon: the business needs more notice.",
                         "es": "Esa hora es demasiado pronto: el negocio necesita más "
                               "antelación."},
    "refusal_too_far_ahead": {"en": "That time is too far ahead: bookings are not open yet.",
                              "es": "Esa hora está demasiado lejos: aún no se puede "
                                    "reservar."},
    "refusal_service_not_offered": {
        "en": "Staff not available: that staff member does not offer this service.",
        "es": "Personal no disponible: esa persona no ofrece este servicio."},
    "refusal_service_inactive": {"en": "This service is not offered any more.",
                                 "es": "Este servicio ya no se ofrece."},
    "refusal_not_active": {"en": "This appointment is not booked any more.",
                           "es": "Esta cita ya no está reservada."},
    "refusal_already_started": {"en": "This appointment has already started or passed.",
                                "es": "Esta cita ya empezó o ya pasó."},
    "refusal_idempotency_key_reused": {
        "en": "This form was already used for a booking. Open a new form to book again.",
        "es": "Este formulario ya se usó para una reserva. Abra uno nuevo para reservar otra "
              "vez."},
    "refusal_other": {"en": "That did not work. Check the details and try again.",
                      "es": "No funcionó. Revise los datos e inténtelo de nuevo."},
    "bad_day": {"en": "Give a date, e.g. 2026-03-14.", "es": "Indique una fecha, p. ej. "
                "2026-03-14."},
    "bad_time": {"en": "Give a time, e.g. 14:30.", "es": "Indique una hora, p. ej. 14:30."},
    "bad_skipped_time": {"en": "That time does not exist on that day: the clocks skip it "
                               "(summer time).",
                         "es": "Esa hora no existe ese día: los relojes se la saltan (cambio "
                               "de hora)."},
    "bad_service": {"en": "Choose a service.", "es": "Elija un servicio."},
    "bad_resource": {"en": "Choose a staff member from the list.",
                     "es": "Elija a alguien del personal de la lista."},
    "bad_customer": {"en": "Pick a customer, or give a new customer's name and phone.",
                     "es": "Elija un cliente, o indique el nombre y el teléfono de uno nuevo."},
    "bad_phone": {"en": "That phone number is not valid. Write it with its country code, "
                        "e.g. +1 212 555 0100.",
                  "es": "Ese teléfono no es válido. Escríbalo con el prefijo del país, "
                        "p. ej. +34 612 345 678."},

    # --- widget page ---
    "widget_intro": {"en": "Put the chat on your website: paste a key's line into each page, "
                           "just before </body>. It answers only on the sites listed for "
                           "its key.",
                     "es": "Ponga el chat en su web: pegue la línea de una clave en cada "
                           "página, justo antes de </body>. Solo responde en los sitios "
                           "indicados para su clave."},
    "widget_paste": {"en": "Paste this line into your website's pages:",
                     "es": "Pegue esta línea en las páginas de su web:"},
    "widget_preview": {"en": "Live preview", "es": "Vista previa en vivo"},
    "widget_preview_real": {"en": "The preview talks to your front desk for real: an "
                                  "appointment booked in it is a real appointment.",
                            "es": "La vista previa habla de verdad con su recepción: una "
                                  "cita reservada en ella es una cita real."},
    "widget_preview_open": {"en": "Open the preview on its own page",
                            "es": "Abrir la vista previa en su propia página"},
    "widget_preview_here": {"en": "This page stands in for your website: the chat button in "
                                  "the corner is the widget, as your visitors will see it.",
                            "es": "Esta página hace de su web: el botón de chat de la "
                                  "esquina es el widget, tal como lo verán sus visitantes."},
    "widget_key_not_kept": {"en": "This key was shown only once, when it was made, and is "
                                  "not kept. Use the line you saved then, or create a new "
                                  "widget key below to see its line and a preview here.",
                            "es": "Esta clave se mostró una sola vez, al crearla, y no se "
                                  "guarda. Use la línea que guardó entonces, o cree abajo "
                                  "una clave de chat nueva para ver aquí su línea y una "
                                  "vista previa."},
    "widget_none": {"en": "No chat widget key yet: create one below with your website's "
                          "address. Every key, and revoking one, is on the page",
                    "es": "Aún no hay una clave de chat: cree una abajo con la dirección de "
                          "su web. Todas las claves, y cómo revocarlas, están en la página"},
    "widget_create": {"en": "Create a widget key", "es": "Crear una clave de chat"},
    "widget_default_name": {"en": "Website chat", "es": "Chat de la web"},
    "widget_sites": {"en": "Your website's addresses", "es": "Direcciones de su web"},
    "widget_sites_help": {"en": "One per line, as the browser shows them, without a page: "
                                "e.g. https://www.example.com",
                          "es": "Una por línea, como las muestra el navegador, sin página: "
                                "p. ej. https://www.example.com"},

    # --- settings pages ---
    "opening_hours": {"en": "Opening hours", "es": "Horario"},
    "set_opening_hours": {"en": "Set the opening hours", "es": "Fijar el horario"},
    "opening_hours_help": {
        "en": "Your opening hours are when your staff work: this sets the weekly hours of "
              "everyone ticked below. Callers are offered times only within them.",
        "es": "Su horario es cuando trabaja su personal: esto fija el horario semanal de "
              "quienes marque abajo. A los clientes solo se les ofrecen horas dentro de él."},
    "hours_for": {"en": "These are the hours of", "es": "Este es el horario de"},
    "hours_need_staff": {
        "en": "Your opening hours are when your staff work, and nobody is set up yet. Add "
              "a staff member first.",
        "es": "Su horario es cuando trabaja su personal, y aún no hay nadie. Añada primero "
              "a una persona."},
    "no_hours": {"en": "No opening hours yet: callers cannot book until someone has hours.",
                 "es": "Aún no hay horario: nadie puede reservar hasta que alguien tenga "
                       "horas."},
    "no_hours_set": {"en": "No hours", "es": "Sin horario"},
    "weekly_hours": {"en": "Weekly hours", "es": "Horario semanal"},
    "weekly_hours_help": {
        "en": "Leave a day empty when closed. Use the second pair for a split day (e.g. "
              "after lunch); 00:00 as a closing time means midnight.",
        "es": "Deje vacío un día cerrado. Use el segundo par para una jornada partida "
              "(p. ej. tras el almuerzo); 00:00 como cierre es medianoche."},
    "opens": {"en": "Opens", "es": "Abre"},
    "closes": {"en": "Closes", "es": "Cierra"},
    "opens_again": {"en": "Opens again", "es": "Reabre"},
    "closes_again": {"en": "Closes again", "es": "Cierra de nuevo"},
    "closed": {"en": "closed", "es": "cerrado"},
    "day_0": {"en": "Monday", "es": "Lunes"},
    "day_1": {"en": "Tuesday", "es": "Martes"},
    "day_2": {"en": "Wednesday", "es": "Miércoles"},
    "day_3": {"en": "Thursday", "es": "Jueves"},
    "day_4": {"en": "Friday", "es": "Viernes"},
    "day_5": {"en": "Saturday", "es": "Sábado"},
    "day_6": {"en": "Sunday", "es": "Domingo"},
    "save": {"en": "Save", "es": "Guardar"},
    "saved": {"en": "Saved.", "es": "Guardado."},
    "not_saved": {"en": "Nothing was saved:", "es": "No se guardó nada:"},
    "too_long": {"en": "A field is too long.", "es": "Un campo es demasiado largo."},
    "bad_hours_time": {"en": "A time is not a time of day (use HH:MM, e.g. 09:30).",
                       "es": "Una hora no es válida (use HH:MM, p. ej. 09:30)."},
    "hours_incomplete": {
        "en": "Each opening time needs its closing time, and each closing time its opening "
              "time.",
        "es": "Cada hora de apertura necesita su hora de cierre, y cada cierre su apertura."},
    "bad_choice": {"en": "That choice is not on the list. Reload the page and try again.",
                   "es": "Esa opción no está en la lista. Recargue la página e inténtelo "
                         "de nuevo."},
    "bad_number": {"en": "Write minutes as a whole number, e.g. 30.",
                   "es": "Escriba los minutos como un número entero, p. ej. 30."},
    "number_needed": {"en": "Fill in the number.", "es": "Escriba el número."},
    "bad_price": {"en": "Write the price as a number, e.g. 45 or 45.50.",
                  "es": "Escriba el precio como un número, p. ej. 45 o 45,50."},
    "name_needed": {"en": "Give it a name.", "es": "Póngale un nombre."},
    "services": {"en": "Services", "es": "Servicios"},
    "no_services": {
        "en": "No services yet. Add what customers can book below: its name, how long it "
              "takes and who offers it.",
        "es": "Aún no hay servicios. Añada abajo lo que se puede reservar: su nombre, "
              "cuánto dura y quién lo ofrece."},
    "add_service": {"en": "Add a service", "es": "Añadir un servicio"},
    "edit_service": {"en": "Change this service", "es": "Cambiar este servicio"},
    "duration_minutes": {"en": "Duration (minutes)", "es": "Duración (minutos)"},
    "buffer_before": {"en": "Free before (minutes)", "es": "Libre antes (minutos)"},
    "buffer_after": {"en": "Free after (minutes)", "es": "Libre después (minutos)"},
    "price": {"en": "Price", "es": "Precio"},
    "price_help": {"en": "Optional, e.g. 45.50. Leave it empty for no price.",
                   "es": "Opcional, p. ej. 45,50. Déjelo vacío si no tiene precio."},
    "spoken_en": {"en": "What callers call it in English", "es": "Cómo lo llaman en inglés"},
    "spoken_es": {"en": "What callers call it in Spanish", "es": "Cómo lo llaman en español"},
    "spoken_help": {
        "en": "Separate names with commas, e.g. haircut, trim. The agent understands "
              "these and says the first one.",
        "es": "Separe los nombres con comas, p. ej. corte, corte de pelo. El asistente los "
              "entiende y dice el primero."},
    "offered": {"en": "Offered", "es": "Se ofrece"},
    "not_offered": {"en": "Not offered", "es": "No se ofrece"},
    "offered_by": {"en": "Offered by", "es": "Lo ofrece"},
    "service_needs_staff": {
        "en": "Add staff to say who offers it: a service nobody offers cannot be booked.",
        "es": "Añada personal para indicar quién lo ofrece: un servicio que nadie ofrece "
              "no se puede reservar."},
    "staff_and_hours": {"en": "Staff and their hours", "es": "Personal y horarios"},
    "no_staff": {
        "en": "No staff yet. Add the people (or rooms) appointments are booked with, the "
              "services each offers and their weekly hours.",
        "es": "Aún no hay personal. Añada a las personas (o salas) con quienes se reserva, "
              "los servicios que ofrece cada una y su horario semanal."},
    "add_staff": {"en": "Add a staff member", "es": "Añadir a una persona"},
    "edit_staff": {"en": "Change their details", "es": "Cambiar sus datos"},
    "kind": {"en": "Kind", "es": "Tipo"},
    "kind_staff": {"en": "Person", "es": "Persona"},
    "kind_room": {"en": "Room", "es": "Sala"},
    "kind_equipment": {"en": "Equipment", "es": "Equipo"},
    "takes_bookings": {"en": "Takes bookings", "es": "Acepta reservas"},
    "not_taking_bookings": {"en": "Not taking bookings", "es": "No acepta reservas"},
    "offers": {"en": "Offers", "es": "Ofrece"},
    "staff_needs_services": {"en": "Add services to say what they offer.",
                             "es": "Añada servicios para indicar qué ofrece."},
    "voice": {"en": "Greeting and persona", "es": "Saludo y personalidad"},
    "how_it_sounds": {"en": "How the assistant sounds", "es": "Cómo suena el asistente"},
    "persona": {"en": "Persona", "es": "Personalidad"},
    "persona_default": {"en": "Friendly and brief", "es": "Amable y breve"},
    "persona_salon": {"en": "Warm and casual (salon)", "es": "Cercana e informal (salón)"},
    "persona_medical": {"en": "Discreet (medical: never reads details to unverified "
                              "callers)",
                        "es": "Discreta (médica: no lee datos a quien no está verificado)"},
    "persona_help": {"en": "Sets the assistant's tone and how private it is.",
                     "es": "Fija el tono del asistente y cuánta privacidad guarda."},
    "greeting_en": {"en": "First words in English", "es": "Primeras palabras en inglés"},
    "greeting_es": {"en": "First words in Spanish", "es": "Primeras palabras en español"},
    "greeting_help": {
        "en": "Leave empty for the persona's greeting (shown greyed). {business} is your "
              "business's name. Known callers hear their name first.",
        "es": "Déjelo vacío para el saludo de la personalidad (en gris). {business} es el "
              "nombre de su negocio. Quien ya es cliente oye antes su nombre."},
    "instructions": {"en": "Instructions for the assistant",
                     "es": "Instrucciones para el asistente"},
    "instructions_help": {
        "en": "For example: 'Mention free parking behind the shop.' Followed when an AI "
              "model is connected; never overrides bookings, hours or privacy rules.",
        "es": "Por ejemplo: 'Mencione el aparcamiento gratis detrás del local.' Se siguen "
              "cuando hay un modelo de IA conectado; nunca cambian reservas, horario ni "
              "privacidad."},
    "voice_mode": {"en": "Phone voice", "es": "Voz en el teléfono"},
    "voice_mode_turns": {"en": "The phone carrier's voice, turn by turn",
                         "es": "La voz del operador telefónico, por turnos"},
    "voice_mode_stream": {"en": "Frontdesk's own streaming voice (answers faster, can be "
                                "interrupted)",
                          "es": "La voz propia de frontdesk en tiempo real (responde antes, "
                                "se puede interrumpir)"},
    "voice_mode_realtime": {"en": "A speech-to-speech model (OpenAI Realtime)",
                            "es": "Un modelo de voz a voz (OpenAI Realtime)"},
    "voice_mode_help": {
        "en": "Streaming and speech-to-speech need speech providers set up on the server; "
              "until they are, calls use the carrier's voice.",
        "es": "La voz en tiempo real y la de voz a voz necesitan proveedores de voz "
              "configurados en el servidor; mientras tanto se usa la voz del operador."},
    "preview": {"en": "Preview", "es": "Vista previa"},
    "preview_title": {"en": "Preview: what a new caller hears first",
                      "es": "Vista previa: lo primero que oye quien llama"},
    "preview_not_saved": {"en": "Not saved yet: press Save to use it.",
                          "es": "Aún no se guardó: pulse Guardar para usarlo."},
    "first_words_now": {"en": "What a new caller hears first",
                        "es": "Lo primero que oye quien llama"},
    "in_english": {"en": "In English", "es": "En inglés"},
    "in_spanish": {"en": "In Spanish", "es": "En español"},
    "reminders_and_messages": {"en": "Reminders and texts", "es": "Recordatorios y mensajes"},
    "reminders": {"en": "Reminders", "es": "Recordatorios"},
    "reminders_count": {"en": "Reminders per appointment", "es": "Recordatorios por cita"},
    "reminders_help": {"en": "Text customers a reminder this long before (at most five):",
                       "es": "Enviar un recordatorio con esta antelación (cinco como "
                             "máximo):"},
    "reminders_none": {"en": "Tick none for no reminders. Changes apply to appointments "
                             "booked or moved from now on.",
                       "es": "No marque ninguno para no enviar recordatorios. Los cambios "
                             "valen para las citas que se reserven o muevan desde ahora."},
    "save_reminders": {"en": "Save reminders", "es": "Guardar recordatorios"},
    "a_week": {"en": "1 week", "es": "1 semana"},
    "n_weeks": {"en": "{n} weeks", "es": "{n} semanas"},
    "a_day": {"en": "1 day", "es": "1 día"},
    "n_days": {"en": "{n} days", "es": "{n} días"},
    "an_hour": {"en": "1 hour", "es": "1 hora"},
    "n_hours": {"en": "{n} hours", "es": "{n} horas"},
    "n_minutes": {"en": "{n} minutes", "es": "{n} minutos"},
    "message_texts": {"en": "Text messages", "es": "Mensajes de texto"},
    "message_texts_help": {
        "en": "Leave a box empty to send the standard text (shown greyed). You can use:",
        "es": "Deje un campo vacío para enviar el texto estándar (en gris). Puede usar:"},
    "message_confirmation": {"en": "Booking confirmed", "es": "Cita confirmada"},
    "message_rescheduled": {"en": "Appointment moved", "es": "Cita cambiada"},
    "message_cancellation": {"en": "Appointment cancelled", "es": "Cita cancelada"},
    "message_reminder": {"en": "Reminder", "es": "Recordatorio"},
    "save_messages": {"en": "Save texts", "es": "Guardar mensajes"},
    "phone_numbers": {"en": "Phone numbers", "es": "Números de teléfono"},
    "numbers_answered": {"en": "Numbers the assistant answers",
                         "es": "Números que atiende el asistente"},
    "no_numbers": {
        "en": "No phone number yet. Add the number your phone provider (Twilio or Telnyx) "
              "sends calls and texts to.",
        "es": "Aún no hay número. Añada el número al que su proveedor (Twilio o Telnyx) "
              "envía llamadas y mensajes."},
    "texts_from_here": {"en": "texts are sent from this one",
                        "es": "los mensajes salen de este"},
    "add_number": {"en": "Add a number", "es": "Añadir un número"},
    "number_help": {"en": "With its country code, e.g. +1 212 555 0100.",
                    "es": "Con su prefijo de país, p. ej. +34 910 000 000."},
    "remove": {"en": "Remove", "es": "Quitar"},
    "transfer_to": {"en": "Put callers through to", "es": "Pasar llamadas a"},
    "transfer_help": {"en": "The number a caller who asks for a person is transferred to",
                      "es": "El número al que se pasa a quien pide hablar con una persona"},
    "calendars": {"en": "Calendars", "es": "Calendarios"},
    "calendars_help": {
        "en": "Connect a staff member's Google, Microsoft 365 or CalDAV calendar: times busy "
              "there are not offered, and new bookings appear in it.",
        "es": "Conecte el calendario de Google, Microsoft 365 o CalDAV de una persona: las "
              "horas ocupadas allí no se ofrecen y las citas nuevas aparecen en él."},
    "no_calendar": {"en": "No calendar connected.", "es": "Sin calendario conectado."},
    "connect": {"en": "Connect", "es": "Conectar"},
    "disconnect": {"en": "Disconnect", "es": "Desconectar"},
    "calendar_ok": {"en": "working", "es": "funciona"},
    "calendar_broken": {"en": "the calendar refused us: connect it again",
                        "es": "el calendario nos rechazó: vuelva a conectarlo"},
    "calendar_pending": {"en": "changes waiting to be written",
                         "es": "cambios por escribir"},
    "calendar_push": {"en": "Instant updates", "es": "Actualización al instante"},
    "calendar_push_off": {"en": "off: changes are seen when the calendar is next read",
                          "es": "desactivada: los cambios se ven en la próxima lectura del "
                                "calendario"},
    "calendar_push_active": {"en": "on", "es": "activada"},
    "calendar_push_failing": {"en": "not working: changes are seen later than usual",
                              "es": "no funciona: los cambios se ven más tarde de lo normal"},
    "calendar_push_until": {"en": "renewed before", "es": "se renueva antes del"},
    "calendar_push_last": {"en": "last change notice", "es": "último aviso de cambio"},
    "calendar_connected": {"en": "The calendar is connected.",
                           "es": "El calendario está conectado."},
    "calendar_failed": {"en": "The calendar was not connected. Try again.",
                        "es": "No se conectó el calendario. Inténtelo de nuevo."},
    "caldav_url": {"en": "Server address", "es": "Dirección del servidor"},
    "caldav_user": {"en": "User name", "es": "Usuario"},
    "caldav_calendar": {"en": "Calendar (address or name)",
                        "es": "Calendario (dirección o nombre)"},
    "caldav_incomplete": {"en": "Fill in the server, user, password and calendar.",
                          "es": "Complete servidor, usuario, contraseña y calendario."},

    # --- settings facts ---
    "facts": {"en": "What callers can ask", "es": "Lo que pueden preguntar"},
    "facts_help": {
        "en": "The front desk answers callers from what you write here, in your own words, "
              "and from nothing else. Leave a topic empty and a caller who asks about it is "
              "told you don't have that information and offered a person.",
        "es": "La recepción responde a sus clientes con lo que escriba aquí, con sus propias "
              "palabras, y con nada más. Si deja un tema vacío, a quien pregunte por él se le "
              "dice que no tiene esa información y se le ofrece hablar con una persona."},
    "about_business": {"en": "About your business", "es": "Sobre su negocio"},
    "topic_address": {"en": "Address", "es": "Dirección"},
    "topic_directions": {"en": "How to get here", "es": "Cómo llegar"},
    "topic_parking": {"en": "Parking", "es": "Aparcamiento"},
    "topic_payment": {"en": "How customers pay", "es": "Formas de pago"},
    "topic_cancellation": {"en": "Cancellation policy", "es": "Política de cancelación"},
    "save_facts": {"en": "Save these answers", "es": "Guardar estas respuestas"},
    "faq": {"en": "Questions and answers", "es": "Preguntas y respuestas"},
    "faq_help": {
        "en": "Questions callers ask you, and the answer to give. A caller's words need not "
              "match yours exactly, in either language. Give an answer in each language you "
              "write the question in.",
        "es": "Preguntas que le hacen sus clientes, y la respuesta que hay que dar. Las "
              "palabras del cliente no tienen que coincidir exactamente con las suyas, en "
              "ninguno de los dos idiomas. Dé una respuesta en cada idioma en que escriba la "
              "pregunta."},
    "no_faq": {
        "en": "No questions yet. Add the ones callers ask you most (\"Do you sell gift "
              "cards?\"): the front desk answers them in your words.",
        "es": "Aún no hay preguntas. Añada las que más le hacen sus clientes (\"¿Venden "
              "tarjetas regalo?\"): la recepción las responde con sus palabras."},
    "question_en": {"en": "Question, in English", "es": "Pregunta, en inglés"},
    "answer_en": {"en": "Answer, in English", "es": "Respuesta, en inglés"},
    "question_es": {"en": "Question, in Spanish", "es": "Pregunta, en español"},
    "answer_es": {"en": "Answer, in Spanish", "es": "Respuesta, en español"},
    "add_faq": {"en": "Add a question", "es": "Añadir una pregunta"},
    "faq_changed": {
        "en": "The questions changed since this page was opened, so nothing was saved. Here "
              "they are as they are now.",
        "es": "Las preguntas cambiaron desde que se abrió esta página, así que no se guardó "
              "nada. Aquí están tal como son ahora."},
    "required_details": {"en": "Details needed before booking",
                         "es": "Datos necesarios antes de reservar"},
    "required_help": {
        "en": "Ask callers for these after their name and phone; book only once given",
        "es": "Pedir a los clientes estos datos tras su nombre y teléfono; reservar solo "
              "cuando los den"},
    "required_date_of_birth": {"en": "Date of birth", "es": "Fecha de nacimiento"},
    "required_insurance": {"en": "Insurance company", "es": "Compañía de seguros"},
    "required_none": {"en": "None ticked: a booking needs only a name and a phone number.",
                      "es": "Sin marcar ninguno: una reserva solo necesita un nombre y un "
                            "teléfono."},
    "facts_count": {"en": "Topics answered: {topics} · Questions: {questions}",
                    "es": "Temas con respuesta: {topics} · Preguntas: {questions}"},

    # --- insights page ---
    "ins_period": {"en": "Period", "es": "Periodo"},
    "ins_last_days": {"en": "Last {days} days", "es": "Últimos {days} días"},
    "ins_range": {"en": "From {first} to {last} (today included), in {zone} time.",
                  "es": "Del {first} al {last} (hoy incluido), en la hora de {zone}."},
    "ins_empty": {
        "en": "Nothing to show for these days yet. The figures fill in as customers call, "
              "chat, text and book: try one with `frontdesk call` in a terminal, or chat "
              "through the API.",
        "es": "Aún no hay nada que mostrar en estos días. Las cifras se llenan cuando los "
              "clientes llaman, chatean, escriben y reservan: pruebe con `frontdesk call` en "
              "una terminal, o converse por la API."},
    "ins_summary": {"en": "At a glance", "es": "De un vistazo"},
    "ins_bookings": {"en": "Bookings", "es": "Reservas"},
    "ins_booking_rate": {"en": "Booking rate", "es": "Tasa de reserva"},
    "ins_calls_handled": {"en": "Calls handled", "es": "Llamadas resueltas"},
    "ins_calls_transferred": {"en": "Calls transferred", "es": "Llamadas transferidas"},
    "ins_handle_time": {"en": "Average handle time", "es": "Duración media"},
    "ins_no_show_rate": {"en": "No-show rate", "es": "Tasa de ausencias"},
    "ins_bookings_per_day": {"en": "Bookings per day", "es": "Reservas por día"},
    "ins_rate_by_channel": {"en": "Booking rate by channel", "es": "Tasa de reserva por canal"},
    "ins_rate_help": {
        "en": "Of the conversations started on each channel, the share that ended in a "
              "booking.",
        "es": "De las conversaciones iniciadas en cada canal, la parte que terminó en una "
              "reserva."},
    "ins_calls_per_day": {"en": "Calls handled and transferred, per day",
                          "es": "Llamadas resueltas y transferidas, por día"},
    "ins_handled": {"en": "Handled", "es": "Resueltas"},
    "ins_transferred": {"en": "Transferred", "es": "Transferidas"},
    "ins_handle_by_channel": {"en": "Average handle time by channel",
                              "es": "Duración media por canal"},
    "ins_ended": {"en": "Ended conversations", "es": "Conversaciones terminadas"},
    "ins_no_show_help": {
        "en": "Of the appointments due in these days and marked attended or no-show, the "
              "share where the customer did not come.",
        "es": "De las citas de estos días marcadas como atendidas o como ausencia, la parte "
              "en que el cliente no vino."},
    "ins_reasons": {"en": "Top reasons for transfer", "es": "Motivos de transferencia"},
    "ins_reason": {"en": "Reason", "es": "Motivo"},
    "ins_not_recorded": {"en": "Reason not recorded", "es": "Motivo no registrado"},
    "ins_no_transfers": {"en": "No conversation was handed to a person in these days.",
                         "es": "Ninguna conversación se pasó a una persona en estos días."},
    "ins_numbers": {"en": "Show the numbers", "es": "Ver las cifras"},
    "ins_date_short": {"en": "%m/%d", "es": "%d/%m"},
    "ins_desc_bookings": {
        "en": "{total} bookings in {days} days; each day's number is in the table below.",
        "es": "{total} reservas en {days} días; la cifra de cada día está en la tabla de "
              "abajo."},
    "ins_desc_rates": {
        "en": "The share of each channel's conversations that ended in a booking; the "
              "numbers are in the table below.",
        "es": "La parte de las conversaciones de cada canal que terminó en una reserva; las "
              "cifras están en la tabla de abajo."},
    "ins_desc_calls": {
        "en": "{handled} calls handled and {transferred} transferred in {days} days; each "
              "day's numbers are in the table below.",
        "es": "{handled} llamadas resueltas y {transferred} transferidas en {days} días; las "
              "cifras de cada día están en la tabla de abajo."},
    "ins_desc_handle": {
        "en": "Conversations lasted {average} on average; each channel's average is in the "
              "table below.",
        "es": "Las conversaciones duraron {average} de media; la media de cada canal está "
              "en la tabla de abajo."},
    "ins_desc_reasons": {
        "en": "How many transferred conversations gave each reason; the numbers are in the "
              "table below.",
        "es": "Cuántas conversaciones transferidas dieron cada motivo; las cifras están en "
              "la tabla de abajo."},

    # --- oauth sign-in ---
    "or_sign_in_with": {"en": "Or:", "es": "O bien:"},
    "sign_in_with_google": {"en": "Sign in with Google", "es": "Iniciar sesión con Google"},
    "sign_in_with_microsoft": {"en": "Sign in with Microsoft",
                               "es": "Iniciar sesión con Microsoft"},
    "oauth_expired": {"en": "That sign-in took too long or was started in another window. "
                            "Please try again.",
                      "es": "Ese inicio de sesión tardó demasiado o empezó en otra ventana. "
                            "Inténtelo de nuevo."},
    "oauth_cancelled": {"en": "The sign-in was cancelled. Try again, or use your password.",
                        "es": "Se canceló el inicio de sesión. Inténtelo de nuevo, o use su "
                              "contraseña."},
    "oauth_failed": {"en": "The answer from Google or Microsoft could not be verified, so you "
                           "were not signed in. Please try again.",
                     "es": "No se pudo verificar la respuesta de Google o Microsoft, así que no "
                           "inició sesión. Inténtelo de nuevo."},
    "oauth_unavailable": {"en": "Google or Microsoft could not be reached. Try again in a few "
                                "minutes, or use your password.",
                          "es": "No se pudo contactar con Google o Microsoft. Inténtelo en unos "
                                "minutos, o use su contraseña."},
    "oauth_no_account": {
        "en": "That account is not linked to anyone here. If you have an account, sign in "
              "with your password and link it under Sign-in methods; otherwise ask your "
              "business's owner to invite you.",
        "es": "Esa cuenta no está vinculada a nadie aquí. Si tiene una cuenta, inicie sesión "
              "con su contraseña y vincúlela en Métodos de inicio de sesión; si no, pida al "
              "dueño de su negocio que le invite."},
    "sign_in_methods": {"en": "Sign-in methods", "es": "Métodos de inicio de sesión"},
    "sign_in_methods_help": {
        "en": "Link your Google or Microsoft account to sign in with it instead of your "
              "password. Linking asks you to sign in there once.",
        "es": "Vincule su cuenta de Google o Microsoft para iniciar sesión con ella en lugar "
              "de su contraseña. Para vincularla, inicie sesión allí una vez."},
    "linked_account": {"en": "Linked account", "es": "Cuenta vinculada"},
    "not_linked": {"en": "Not linked", "es": "Sin vincular"},
    "last_used": {"en": "Last used", "es": "Último uso"},
    "link": {"en": "Link", "es": "Vincular"},
    "unlink": {"en": "Unlink", "es": "Desvincular"},
    "oauth_linked": {"en": "Linked. You can now sign in with that account.",
                     "es": "Vinculada. Ya puede iniciar sesión con esa cuenta."},
    "oauth_unlinked": {"en": "Unlinked. That account no longer signs you in.",
                       "es": "Desvinculada. Esa cuenta ya no le da acceso."},
    "oauth_linked_elsewhere": {"en": "That account is already linked to another user here.",
                               "es": "Esa cuenta ya está vinculada a otro usuario aquí."},
    "oauth_last_method": {
        "en": "That account is your only way to sign in. Set a password first (\"Forgot "
              "your password?\" on the sign-in page), then unlink it.",
        "es": "Esa cuenta es su única forma de iniciar sesión. Elija primero una contraseña "
              "(\"¿Olvidó su contraseña?\" en la página de inicio de sesión) y luego "
              "desvincúlela."},
    "no_sign_in_providers": {
        "en": "Sign-in with Google or Microsoft is not set up on this server. Whoever runs "
              "it can turn it on (README: \"Signing in with Google or Microsoft\").",
        "es": "El inicio de sesión con Google o Microsoft no está configurado en este "
              "servidor. Quien lo administra puede activarlo (README: \"Signing in with "
              "Google or Microsoft\")."},


    # --- staff and security ---
    "transcript": {"en": "Transcript", "es": "Transcripción"},
    "no_transcript": {"en": "Nothing was said in this conversation yet.",
                      "es": "Aún no se dijo nada en esta conversación."},
    "all_conversations": {"en": "All conversations", "es": "Todas las conversaciones"},
    "error_not_found": {"en": "Not found", "es": "No encontrado"},
    "error_forbidden": {"en": "Not allowed", "es": "No permitido"},
    "error_conflict": {"en": "That clashes with something already there",
                       "es": "Eso choca con algo que ya existe"},
    "error_input": {"en": "Please check what you entered", "es": "Revise lo que escribió"},
    "error_ours": {"en": "Something went wrong on our side",
                   "es": "Algo falló de nuestro lado"},
    "go_back": {"en": "Go back", "es": "Volver"},
    "save_notes": {"en": "Save notes", "es": "Guardar notas"},
    "consent_controls": {"en": "Consent and opt-out", "es": "Consentimiento y baja"},
    "sms_consent": {"en": "Agreed to text messages", "es": "Aceptó mensajes de texto"},
    "call_consent": {"en": "Agreed to calls", "es": "Aceptó llamadas"},
    "opt_out_all": {"en": "Do not call or text (opted out)",
                    "es": "No llamar ni escribir (se dio de baja)"},
    "save_consent": {"en": "Save consent", "es": "Guardar consentimiento"},
    "erase_customer": {"en": "Erase this customer's personal data",
                       "es": "Borrar los datos personales de este cliente"},
    "erase_explained": {
        "en": "Their name, phone, email, notes, what they said in conversations and the "
              "messages sent to them are removed. Their appointments stay as anonymous "
              "history. This cannot be undone.",
        "es": "Se borran su nombre, teléfono, correo, notas, lo que dijo en las "
              "conversaciones y los mensajes que se le enviaron. Sus citas quedan como "
              "historial anónimo. No se puede deshacer."},
    "erase_confirm": {"en": "I understand: erase it for good",
                      "es": "Entiendo: borrarlo para siempre"},
    "erase_now": {"en": "Erase", "es": "Borrar"},
    "keep_customer": {"en": "Cancel and go back", "es": "Cancelar y volver"},
    "customer_erased": {"en": "This customer's personal data was erased.",
                        "es": "Los datos personales de este cliente se borraron."},
    "csv_files": {"en": "CSV files", "es": "Archivos CSV"},
    "export_csv": {"en": "Download this list as CSV", "es": "Descargar esta lista en CSV"},
    "import_csv": {"en": "Import customers from CSV", "es": "Importar clientes desde CSV"},
    "import_help": {
        "en": "Columns: name, phone, email, timezone, language, consent date, sms opt in. "
              "Good rows are added; each bad row is listed with its reason.",
        "es": "Columnas: name, phone, email, timezone, language, consent date, sms opt in. "
              "Las filas correctas se añaden; cada fila con errores se muestra con el motivo."},
    "import_report": {"en": "Import result", "es": "Resultado de la importación"},
    "imported": {"en": "Added", "es": "Añadidos"},
    "already_known": {"en": "Already known", "es": "Ya existían"},
    "rows_with_errors": {"en": "Rows with errors", "es": "Filas con errores"},
    "line": {"en": "Line", "es": "Línea"},
    "problem": {"en": "Problem", "es": "Problema"},
    "back_to_customers": {"en": "Back to customers", "es": "Volver a clientes"},
    "no_customers_staff": {
        "en": "No customers on your calendar yet. People you have appointments with "
              "appear here.",
        "es": "Aún no hay clientes en su agenda. Aquí aparecen las personas con las que "
              "tiene citas."},

    "insights": {"en": "Insights", "es": "Estadísticas"},
    "settings": {"en": "Settings", "es": "Configuración"},
    "widget": {"en": "Chat widget", "es": "Widget de chat"},
}


def language_of(request: Request, preferred: str | None = None) -> str:
    """The user's own language, else the browser's first one we speak, else English."""
    if preferred in LANGUAGES:
        return str(preferred)
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def words(lang: str) -> dict[str, str]:
    return {key: forms[lang] for key, forms in TEXT.items()}
