package sandboxpage

// texts are one language's strings. The population's role and
// "demonstrates" texts are English and marked lang="en".
type texts struct {
	Title, What, Synthetic, Language                                  string
	Endpoints, ColEndpoint, EPIssuer, EPDiscovery, EPAuthorize, EPPAR string
	EPToken, EPUserinfo, EPJWKS, EPLogout, EPRegister                 string
	EPVendorClients, EPReset, EPPopulation, EPMock                    string
	Quickstart, Step1, Step2, Step3, Step4, NoRegistration            string
	QuickstartDoc, Headless, HeadlessText, ActingFor                  string
	Cases, CasesCaption, ColHolder, ColKind, ColFor, ColDecision      string
	ColExplains, ColTry                                               string
	Persons, ColName, ColPID, ColAge, ColRole, EnglishNote            string
	Account                                                           string
}

var languages = map[string]texts{
	"nb": {
		Account: "Logg inn som en testperson og se Bruk og tilganger: loggen over bruk, de aktive innloggingene og tillatelsene.",
		Title:   "Sandkasse for leverandører",
		What: "Sandkassen er et eget testmiljø der leverandører av helseverktøy prøver innlogging, representasjon og tokens på egen hånd. " +
			"Du registrerer verktøyet ditt selv over HTTP, logger inn syntetiske testpersoner uten nettleser, prøver hvert representasjonstilfelle " +
			"og nullstiller dine egne testdata. Ingenting her berører produksjonsmiljøet.",
		Synthetic: "Innloggingen går gjennom en etterligning av ID-porten som bare godtar syntetiske fødselsnumre (måned + 40 eller + 80). " +
			"De tilhører ingen virkelige personer.",
		Language:    "Språk",
		Endpoints:   "Endepunkter",
		ColEndpoint: "Endepunkt", EPIssuer: "Utsteder (issuer)", EPDiscovery: "Discovery", EPAuthorize: "Autorisasjon",
		EPPAR: "Pushed authorization request (PAR)", EPToken: "Token", EPUserinfo: "Userinfo", EPJWKS: "Nøkler (JWKS)",
		EPLogout: "Utlogging", EPRegister: "Registrering av klienter (RFC 7591)", EPVendorClients: "Dine klienter",
		EPReset: "Nullstill dine testdata", EPPopulation: "Testpopulasjonen", EPMock: "ID-porten-mock",
		Quickstart:     "Kom i gang",
		Step1:          "Be operatøren om et initial access token for firmaet ditt (oidcp sandbox token --vendor NAVN). Det gjelder bare i sandkassen.",
		Step2:          "Registrer verktøyet ditt. Svaret inneholder client_id, client_secret og et registration_access_token som du bruker til å lese, endre eller slette registreringen.",
		Step3:          "Pek et OIDC-bibliotek mot utstederen over, eller logg inn uten nettleser som vist under.",
		Step4:          "Nullstill når du vil begynne på nytt: koder, tokens og innlogginger for verktøyene dine slettes, verktøyene beholdes.",
		NoRegistration: "Operatøren registrerer klienter i denne tenanten (oidcp clients create); selvbetjent registrering er slått av.",
		QuickstartDoc:  "En fullstendig gjennomgang med curl, testet kommando for kommando, finnes i",
		Headless:       "Innlogging uten nettleser",
		HeadlessText: "Send login_hint=testid:<fødselsnummer> i autorisasjonsforespørselen, så logges personen inn uten at noen side vises " +
			"(legg til _idporten-loa-high for høyt sikkerhetsnivå). Eksempel med Kari:",
		ActingFor: "testid_acting_for velger hvem personen handler på vegne av: self, eller fødselsnummeret til den personen representerer. " +
			"Tabellen under viser hvert tilfelle og parameterne som prøver det; verktøyet må ha godtatt relasjonen (accepted_relations).",
		Cases:        "Representasjonstilfeller",
		CasesCaption: "Hvem som kan handle for hvem, og hva reglene sier i dag",
		ColHolder:    "Innehaver", ColKind: "Relasjon", ColFor: "For", ColDecision: "Avgjørelse i dag",
		ColExplains: "Forklaring", ColTry: "Prøv med",
		Persons: "Testpersoner", ColName: "Navn", ColPID: "Fødselsnummer", ColAge: "Alder i dag", ColRole: "Rolle",
		EnglishNote: "Forklaringene og rollene er på engelsk. Fødselsnumrene følger kalenderen; slå dem opp her i stedet for å kode dem fast.",
	},
	"nn": {
		Account: "Logg inn som ein testperson og sjå Bruk og tilgangar: loggen over bruk, dei aktive innloggingane og løyva.",
		Title:   "Sandkasse for leverandørar",
		What: "Sandkassa er eit eige testmiljø der leverandørar av helseverktøy prøver innlogging, representasjon og token på eiga hand. " +
			"Du registrerer verktøyet ditt sjølv over HTTP, loggar inn syntetiske testpersonar utan nettlesar, prøver kvart representasjonstilfelle " +
			"og nullstiller dine eigne testdata. Ingenting her rører produksjonsmiljøet.",
		Synthetic: "Innlogginga går gjennom ei etterlikning av ID-porten som berre godtek syntetiske fødselsnummer (månad + 40 eller + 80). " +
			"Dei høyrer ikkje til nokon verkelege personar.",
		Language:    "Språk",
		Endpoints:   "Endepunkt",
		ColEndpoint: "Endepunkt", EPIssuer: "Utferdar (issuer)", EPDiscovery: "Discovery", EPAuthorize: "Autorisasjon",
		EPPAR: "Pushed authorization request (PAR)", EPToken: "Token", EPUserinfo: "Userinfo", EPJWKS: "Nøklar (JWKS)",
		EPLogout: "Utlogging", EPRegister: "Registrering av klientar (RFC 7591)", EPVendorClients: "Klientane dine",
		EPReset: "Nullstill dine testdata", EPPopulation: "Testpopulasjonen", EPMock: "ID-porten-mock",
		Quickstart:     "Kom i gang",
		Step1:          "Be operatøren om eit initial access token for firmaet ditt (oidcp sandbox token --vendor NAMN). Det gjeld berre i sandkassa.",
		Step2:          "Registrer verktøyet ditt. Svaret inneheld client_id, client_secret og eit registration_access_token som du brukar til å lese, endre eller slette registreringa.",
		Step3:          "Peik eit OIDC-bibliotek mot utferdaren over, eller logg inn utan nettlesar som vist under.",
		Step4:          "Nullstill når du vil byrje på nytt: kodar, token og innloggingar for verktøya dine vert sletta, verktøya vert verande.",
		NoRegistration: "Operatøren registrerer klientar i denne tenanten (oidcp clients create); sjølvbetent registrering er slått av.",
		QuickstartDoc:  "Ein fullstendig gjennomgang med curl, testa kommando for kommando, finst i",
		Headless:       "Innlogging utan nettlesar",
		HeadlessText: "Send login_hint=testid:<fødselsnummer> i autorisasjonsførespurnaden, så vert personen logga inn utan at nokon side vert vist " +
			"(legg til _idporten-loa-high for høgt tryggleiksnivå). Døme med Kari:",
		ActingFor: "testid_acting_for vel kven personen handlar på vegner av: self, eller fødselsnummeret til den personen representerer. " +
			"Tabellen under viser kvart tilfelle og parametrane som prøver det; verktøyet må ha godteke relasjonen (accepted_relations).",
		Cases:        "Representasjonstilfelle",
		CasesCaption: "Kven som kan handle for kven, og kva reglane seier i dag",
		ColHolder:    "Innehavar", ColKind: "Relasjon", ColFor: "For", ColDecision: "Avgjerd i dag",
		ColExplains: "Forklaring", ColTry: "Prøv med",
		Persons: "Testpersonar", ColName: "Namn", ColPID: "Fødselsnummer", ColAge: "Alder i dag", ColRole: "Rolle",
		EnglishNote: "Forklaringane og rollene er på engelsk. Fødselsnummera følgjer kalenderen; slå dei opp her i staden for å kode dei fast.",
	},
	"en": {
		Account: "Log in as a test person and see Use and access: the usage log, the active logins and the permissions.",
		Title:   "Sandbox for vendors",
		What: "The sandbox is a separate test environment where vendors of health tools try login, representation and tokens on their own. " +
			"You register your tool yourself over HTTP, log synthetic test persons in without a browser, try every representation case " +
			"and reset your own test data. Nothing here touches the production tenant.",
		Synthetic: "Logins go through an imitation of ID-porten that accepts only synthetic national identity numbers (month + 40 or + 80). " +
			"They belong to no real person.",
		Language:    "Language",
		Endpoints:   "Endpoints",
		ColEndpoint: "Endpoint", EPIssuer: "Issuer", EPDiscovery: "Discovery", EPAuthorize: "Authorization",
		EPPAR: "Pushed authorization request (PAR)", EPToken: "Token", EPUserinfo: "Userinfo", EPJWKS: "Keys (JWKS)",
		EPLogout: "Logout", EPRegister: "Client registration (RFC 7591)", EPVendorClients: "Your clients",
		EPReset: "Reset your test data", EPPopulation: "Test population", EPMock: "ID-porten mock",
		Quickstart:     "Getting started",
		Step1:          "Ask the operator for an initial access token for your company (oidcp sandbox token --vendor NAME). It is valid in the sandbox only.",
		Step2:          "Register your tool. The answer holds client_id, client_secret and a registration_access_token with which you read, change or delete the registration.",
		Step3:          "Point an OIDC library at the issuer above, or log in without a browser as shown below.",
		Step4:          "Reset when you want to start over: the codes, tokens and logins of your tools are deleted, the tools stay.",
		NoRegistration: "The operator registers clients in this tenant (oidcp clients create); self-service registration is off.",
		QuickstartDoc:  "A complete walk-through with curl, tested command by command, is in",
		Headless:       "Logging in without a browser",
		HeadlessText: "Send login_hint=testid:<fødselsnummer> in the authorization request and the person is logged in without any page " +
			"(append _idporten-loa-high for level high). An example with Kari:",
		ActingFor: "testid_acting_for chooses whom the person acts for: self, or the fødselsnummer of the person represented. " +
			"The table below shows each case and the parameters that try it; the tool must have accepted the relation (accepted_relations).",
		Cases:        "Representation cases",
		CasesCaption: "Who may act for whom, and what the rules say today",
		ColHolder:    "Holder", ColKind: "Relation", ColFor: "For", ColDecision: "Decision today",
		ColExplains: "Explanation", ColTry: "Try with",
		Persons: "Test persons", ColName: "Name", ColPID: "Fødselsnummer", ColAge: "Age today", ColRole: "Role",
		EnglishNote: "The numbers follow the calendar; look them up here rather than hard-coding them.",
	},
}
