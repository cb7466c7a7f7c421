import json, math
d=json.load(open('../shared/fixtures/city/manhattan_midtown_buildings.geojson'))
term=[f for f in d['features'] if f['properties']['id']=='way/108160358'][0]
ring=term['geometry']['coordinates'][0]
lon0=sum(p[0] for p in ring)/len(ring); lat0=sum(p[1] for p in ring)/len(ring)
kx=math.cos(math.radians(lat0))*111320.0; ky=110574.0
to=lambda p:((p[0]-lon0)*kx,(p[1]-lat0)*ky)
back=lambda x,y:[round(lon0+x/kx,7), round(lat0+y/ky,7)]
a=math.radians(29.0)
u=(math.sin(a),math.cos(a)); v=(math.cos(a),-math.sin(a))
pts=[to(p) for p in ring]
us=[x*u[0]+y*u[1] for x,y in pts]; vs=[x*v[0]+y*v[1] for x,y in pts]
print('extent u',min(us),max(us),'v',min(vs),max(vs))
def rect(u0,u1,v0,v1):
    cs=[(u0,v0),(u0,v1),(u1,v1),(u1,v0),(u0,v0)]
    r=[back(a_*u[0]+b*v[0], a_*u[1]+b*v[1]) for a_,b in cs]
    return r
def ccw(r):
    s=sum(r[i][0]*r[i+1][1]-r[i+1][0]*r[i][1] for i in range(len(r)-1))
    return r if s>0 else r[::-1]
U0,U1,V0,V1=min(us)-3,max(us)+3,min(vs)-3,max(vs)+3
site=ccw(rect(U0,U1,V0,V1))
json.dump({"type":"Feature","properties":{"name":"Example site: the bus terminal block"},"geometry":{"type":"Polygon","coordinates":[site]}},open('assets/demo/scenarios/example-site.geojson','w'),indent=1)
# podium: block inset 4 m, with two tower holes; towers
P=(U0+4,U1-4,V0+4,V1-4)
lu=P[1]-P[0]; lv=P[3]-P[2]
print('podium',lu,lv)
t1=(P[0]+8,P[0]+8+34,P[2]+8,P[2]+8+34)
t2=(P[1]-8-30,P[1]-8,P[3]-8-30,P[3]-8)
podium=[ccw(rect(*P)), ccw(rect(*t1))[::-1], ccw(rect(*t2))[::-1]]
feat=lambda id_,name,h,fl,coords,use:{"type":"Feature","id":"urn:ngsi-ld:Building:example-"+id_,
  "properties":{"name":name,"height":h,"floors":fl,"category":use},
  "geometry":{"type":"Polygon","coordinates":coords}}
fc={"type":"FeatureCollection","features":[
 feat("terminal","Example: new bus terminal (podium)",34.0,8,podium,"transportation"),
 feat("tower-north","Example: north tower",228.0,56,[ccw(rect(*t1))],"residential"),
 feat("tower-south","Example: south tower",176.0,43,[ccw(rect(*t2))],"office"),
]}
json.dump(fc,open('assets/demo/scenarios/example-added.geojson','w'),indent=1)

# --- second pass: the terminal's own footprint as site and podium
def pip(x,y,poly):
    c=False
    for i in range(len(poly)-1):
        (x1,y1),(x2,y2)=poly[i],poly[i+1]
        if (y1>y)!=(y2>y) and x < (x2-x1)*(y-y1)/(y2-y1)+x1: c=not c
    return c
uvp=[(a_,b) for a_,b in zip(us,vs)]
def inside_rect(r):
    u0,u1,v0,v1=r
    return all(pip(a_,b,uvp) for a_ in [u0+i*(u1-u0)/10 for i in range(11)] for b in [v0+j*(v1-v0)/10 for j in range(11)])
best=[]
for cu in range(-70,60,4):
    for cv in range(-120,115,4):
        for s in (30,34):
            r=(cu,cu+s,cv,cv+s)
            if inside_rect((cu-6,cu+s+6,cv-6,cv+s+6)): best.append(r)
print(len(best), best[:3], best[-3:])
t1=(-62,-22,-112,-72); t2=(16,52,66,102)
assert t1 in best or inside_rect((t1[0]-6,t1[1]+6,t1[2]-6,t1[3]+6)), t1
assert inside_rect((t2[0]-6,t2[1]+6,t2[2]-6,t2[3]+6)), t2
outer=ccw([[p[0],p[1]] for p in ring])
json.dump({"type":"Feature","properties":{"name":"Example site: the Port Authority Bus Terminal (OpenStreetMap way 108160358)"},"geometry":{"type":"Polygon","coordinates":[outer]}},open('assets/demo/scenarios/example-site.geojson','w'),indent=1)
podium=[outer, ccw(rect(*t1))[::-1], ccw(rect(*t2))[::-1]]
fc={"type":"FeatureCollection","features":[
 feat("terminal","Example: new bus terminal (podium)",34.0,8,podium,"transportation"),
 feat("tower-west","Example: west tower",248.0,65,[ccw(rect(*t1))],"residential"),
 feat("tower-east","Example: east tower",190.0,50,[ccw(rect(*t2))],"office"),
]}
json.dump(fc,open('assets/demo/scenarios/example-added.geojson','w'),indent=1)
print("written")
