package trace

import "time"

// The record model of ../shared/specs/trace-data.md §4, denormalised so that one
// store read answers one call. The JSON form is what the API returns and what JSON
// Lines import and export carry, one Chain per line.

// NodeType is the kind of circulation node (节点类型).
type NodeType int

// Node types as used by the city platforms.
const (
	NodeSlaughterhouse NodeType = 1 // 屠宰企业
	NodeWholesale      NodeType = 2 // 批发企业
	NodeMarket         NodeType = 3 // 菜市场/零售市场
	NodeSupermarket    NodeType = 4 // 超市
	NodeGroupBuyer     NodeType = 5 // 团体消费单位
	NodeOther          NodeType = 6 // 其他
)

// Node is a circulation node (流通节点): a slaughterhouse, market or supermarket.
type Node struct {
	Code         string   `json:"nodeCode"` // 9 digits: region(6) + serial(3)
	Name         string   `json:"name"`
	Type         NodeType `json:"nodeType"`
	RegionCode   string   `json:"regionCode,omitempty"` // GB/T 2260, 6 digits
	Address      string   `json:"address,omitempty"`
	ServicePhone string   `json:"servicePhone,omitempty"`
}

// OperatorType is the kind of operator (经营者类型).
type OperatorType int

// Operator types.
const (
	OperatorPigWholesaler  OperatorType = 1 // 生猪批发商
	OperatorWholesaler     OperatorType = 2 // 肉菜批发商
	OperatorRetailer       OperatorType = 3 // 肉菜零售商
	OperatorDistributor    OperatorType = 4 // 配送企业
	OperatorOtherOperators OperatorType = 5 // 其他
)

// Operator natures (企业性质).
const (
	NatureEnterprise = "企业"
	NatureIndividual = "个体户"
)

// Operator is a business registered at a node (经营者).
type Operator struct {
	Code     string       `json:"operatorCode"` // 13 digits: node(9) + serial(4)
	NodeCode string       `json:"nodeCode,omitempty"`
	Name     string       `json:"name"`
	Type     OperatorType `json:"operatorType,omitempty"`
	Nature   string       `json:"nature,omitempty"` // NatureEnterprise or NatureIndividual
	StallNo  string       `json:"stallNo,omitempty"`
	RegID    string       `json:"regId,omitempty"` // never spoken; stored masked
}

// Category is the broad kind of product.
type Category string

// Product categories.
const (
	CategoryMeat  Category = "meat"
	CategoryVeg   Category = "veg"
	CategoryOther Category = "other"
)

// Product is what was sold. GoodsCode is opaque; GoodsName is always carried.
type Product struct {
	GoodsCode string   `json:"goodsCode,omitempty"`
	GoodsName string   `json:"goodsName"`
	Category  Category `json:"category"`
	Part      string   `json:"part,omitempty"` // 部位, e.g. 前腿肉
	Unit      string   `json:"unit,omitempty"` // kg
}

// CertKind is the kind of certificate.
type CertKind string

// Certificate kinds.
const (
	CertAnimalQuarantine  CertKind = "animalQuarantine"  // 动物检疫合格证明
	CertProductQuarantine CertKind = "productQuarantine" // 动物产品检疫合格证
	CertMeatInspection    CertKind = "meatInspection"    // 肉品品质检验合格证
	CertOriginProof       CertKind = "originProof"       // 产地证明
	CertVegTest           CertKind = "vegTest"           // 蔬菜检测合格证 / 农残检测
	CertEdibleAgri        CertKind = "edibleAgriCert"    // 食用农产品合格证
	CertRactopamineTest   CertKind = "ractopamineTest"   // 瘦肉精抽检
)

// Result is the outcome recorded on a certificate or test.
type Result string

// Certificate results.
const (
	ResultPass    Result = "pass"
	ResultFail    Result = "fail"
	ResultUnknown Result = "unknown"
)

// Certificate is a certificate or test record, stored verbatim.
type Certificate struct {
	Kind     CertKind  `json:"kind"`
	Number   string    `json:"number"` // 6–32 of [0-9A-Za-z-]
	Issuer   string    `json:"issuer,omitempty"`
	IssuedAt time.Time `json:"issuedAt,omitzero"`
	Result   Result    `json:"result"`
}

// EventType is the kind of hop in a chain.
type EventType string

// Event types, in the order goods travel.
const (
	EventSlaughterEntry      EventType = "slaughterEntry"      // 屠宰进厂
	EventSlaughterInspection EventType = "slaughterInspection" // 屠宰检验检疫
	EventSlaughterSale       EventType = "slaughterSale"       // 屠宰出厂/交易
	EventWholesaleEntry      EventType = "wholesaleEntry"      // 批发进场
	EventWholesaleTest       EventType = "wholesaleTest"       // 批发检测
	EventWholesaleSale       EventType = "wholesaleSale"       // 批发交易
	EventRetailEntry         EventType = "retailEntry"         // 零售/超市进场
	EventRetailSale          EventType = "retailSale"          // 零售交易
	EventGroupEntry          EventType = "groupEntry"          // 团体消费进场
)

// Party is a counterparty named on an event (货主/买主/供应商).
type Party struct {
	Code string `json:"code,omitempty"`
	Name string `json:"name"`
}

// Event is one hop of a chain.
type Event struct {
	ID           string        `json:"eventId"`
	Type         EventType     `json:"type"`
	Node         Node          `json:"node"`
	Operator     *Operator     `json:"operator,omitempty"`
	At           time.Time     `json:"at"` // with +08:00
	Goods        *Product      `json:"goods,omitempty"`
	WeightKg     float64       `json:"weightKg,omitempty"`
	UnitPrice    float64       `json:"unitPrice,omitempty"` // 元/kg
	HeadCount    int           `json:"headCount,omitempty"`
	InputRefs    []string      `json:"inputRefs,omitempty"` // upstream tranId, batchId or certificate numbers
	OutputRef    string        `json:"outputRef,omitempty"` // this hop's voucher number
	Counterparty *Party        `json:"counterparty,omitempty"`
	OriginRegion string        `json:"originRegion,omitempty"` // 产地编码
	OriginName   string        `json:"originName,omitempty"`   // 产地名称
	FarmName     string        `json:"farmName,omitempty"`     // 养殖场/生产基地
	VehiclePlate string        `json:"vehiclePlate,omitempty"`
	Certificates []Certificate `json:"certificates,omitempty"`
	EarTags      []string      `json:"earTags,omitempty"`
}

// Hop is a stage a chain is expected to pass through; MissingHops names them.
type Hop string

// Hops a chain can be missing.
const (
	HopOrigin    Hop = "origin"
	HopSlaughter Hop = "slaughter"
	HopWholesale Hop = "wholesale"
	HopRetail    Hop = "retail"
)

// Chain is everything known about one trace code, events ordered origin → retail.
type Chain struct {
	TraceCode      string    `json:"traceCode"`
	CodeKind       Kind      `json:"codeKind"`
	Events         []Event   `json:"events"`
	Complete       bool      `json:"complete"`
	MissingHops    []Hop     `json:"missingHops,omitempty"`
	SyncedAt       time.Time `json:"syncedAt,omitzero"`
	SourcePlatform string    `json:"sourcePlatform,omitempty"`
}
